package io.kadence.java.internal

import io.kadence.failure.CanceledFailure
import io.kadence.internal.engine.registerDestroyHook
import io.kadence.workflow.WorkflowScope
import kotlinx.coroutines.CancellationException
import java.lang.invoke.MethodHandles
import java.lang.invoke.MethodType
import java.util.concurrent.SynchronousQueue

/**
 * Runs blocking Java workflow code deterministically on a run's coroutine loop.
 *
 * Java code runs on threads of its own ("workflow threads"), but never at the same time as the
 * loop: control is handed back and forth, like a coroutine. A [Driver] (a coroutine on the loop)
 * hands the thread its turn and blocks the loop thread until the Java code either finishes or asks
 * for an operation (sleep, an activity, a signal…). The operation runs on the loop as ordinary
 * suspend code while other coroutines of the run go on; its outcome is handed back with the
 * thread's next turn. So at any moment exactly one of the loop and the run's workflow threads
 * runs, in an order fixed by the loop: replays take the same steps.
 *
 * An operation may itself run Java code (a session block, an async body, an update handler): the
 * thread that asked gets a [ToJava.Run] instead of a reply, runs the callback under a nested
 * driver, and then goes back to waiting for its reply.
 */
internal class WorkflowThread private constructor(val scope: WorkflowScope, name: String) {
    private val inbox = SynchronousQueue<ToJava>()
    private val drivers = ArrayDeque<Driver>()
    @Volatile private var destroyed = false
    private val thread: Thread = newThread(name) { main() }

    sealed class ToJava {
        class Reply(val result: Result<Any?>) : ToJava()
        class Run(val callback: () -> Any?, val driver: Driver) : ToJava()
        object Destroy : ToJava()
    }

    sealed class ToLoop {
        class Call(val op: suspend (WorkflowScope) -> Any?) : ToLoop()
        class Done(val result: Result<Any?>) : ToLoop()
    }

    /** The loop side of one callback running on a workflow thread, in [scope]. */
    inner class Driver(val scope: WorkflowScope) {
        val toLoop = SynchronousQueue<ToLoop>()

        /** Gives the thread its turns until the callback finishes; returns what it returned or throws what it threw. */
        suspend fun drive(first: ToJava): Any? {
            var next = first
            while (true) {
                handOver(next)
                when (val m = toLoop.take()) {
                    is ToLoop.Done -> return m.result.getOrElse { throw fromJava(it) }
                    is ToLoop.Call -> next = ToJava.Reply(runOp(m.op))
                }
            }
        }

        private suspend fun runOp(op: suspend (WorkflowScope) -> Any?): Result<Any?> = try {
            Result.success(op(scope))
        } catch (e: Throwable) {
            Result.failure(e)
        }
    }

    private fun handOver(message: ToJava) {
        if (destroyed) throw CancellationException("the workflow thread was destroyed")
        inbox.put(message)
    }

    private fun main() {
        val first = try {
            inbox.take()
        } catch (e: InterruptedException) {
            return
        }
        if (first is ToJava.Run) runCallback(first)
    }

    private fun runCallback(run: ToJava.Run) {
        drivers.addLast(run.driver)
        current.set(this)
        val result = try {
            Result.success(run.callback())
        } catch (e: Throwable) {
            Result.failure(e)
        } finally {
            drivers.removeLast()
        }
        if (destroyed) run.driver.toLoop.offer(ToLoop.Done(result)) else run.driver.toLoop.put(ToLoop.Done(result))
    }

    /** On this workflow thread: runs [op] on the loop and returns its value (or throws its failure). */
    fun <T> call(op: suspend (WorkflowScope) -> T): T {
        if (destroyed) throw WorkflowThreadDestroyed()
        val driver = drivers.lastOrNull() ?: throw IllegalStateException("no workflow code runs on this thread")
        try {
            driver.toLoop.put(ToLoop.Call(op))
            while (true) {
                when (val m = inbox.take()) {
                    is ToJava.Reply -> {
                        @Suppress("UNCHECKED_CAST")
                        return m.result.getOrElse { throw forJava(it) } as T
                    }
                    is ToJava.Run -> runCallback(m)
                    ToJava.Destroy -> throw WorkflowThreadDestroyed()
                }
            }
        } catch (e: InterruptedException) {
            throw WorkflowThreadDestroyed()
        }
    }

    /** The scope of the callback this thread runs now (a session block's, an async body's…). */
    val currentScope: WorkflowScope get() = drivers.lastOrNull()?.scope ?: scope

    private fun destroy() {
        destroyed = true
        if (!inbox.offer(ToJava.Destroy)) thread.interrupt()
    }

    companion object {
        private val current = ThreadLocal<WorkflowThread>()

        /** The workflow thread the caller runs on, or a clear error when it is not one. */
        fun current(): WorkflowThread = current.get() ?: throw IllegalStateException(
            "a WorkflowContext method was called outside workflow code (from a thread Kadence did not start for this run); " +
                "call it only from the workflow's run method, or from code it starts with ctx.async",
        )

        /**
         * Runs [callback] on a new workflow thread of [scope]'s run, suspending until it finishes;
         * the thread ends with it, or when the worker discards the run.
         */
        suspend fun <R> runNew(scope: WorkflowScope, name: String, callback: () -> R): R {
            val t = WorkflowThread(scope, name)
            registerDestroyHook(scope) { t.destroy() }
            t.thread.start()
            val driver = t.Driver(scope)
            @Suppress("UNCHECKED_CAST")
            return driver.drive(ToJava.Run(callback, driver)) as R
        }

        /** Runs [callback] on the calling coroutine's workflow thread [t] under [scope] (a nested driver). */
        suspend fun <R> runNested(t: WorkflowThread, scope: WorkflowScope, callback: () -> R): R {
            val driver = t.Driver(scope)
            @Suppress("UNCHECKED_CAST")
            return driver.drive(ToJava.Run(callback, driver)) as R
        }

        /** A [CanceledFailure] that Java code let through becomes the coroutine cancellation it stood for. */
        private fun fromJava(e: Throwable): Throwable {
            val cause = e.cause
            return if (e is CanceledFailure && cause is CancellationException) cause else e
        }

        /** Kotlin cancellation reaches Java code as [CanceledFailure], which it may catch. */
        private fun forJava(e: Throwable): Throwable =
            if (e is CancellationException && e !is CanceledFailure) CanceledFailure(e.message ?: "canceled", e) else e

        /** Virtual threads where the JDK has them (21+), platform threads (daemon) on 17. */
        private val virtualFactory: ((Runnable) -> Thread)? = try {
            val builderClass = Class.forName("java.lang.Thread\$Builder")
            val lookup = MethodHandles.publicLookup()
            val ofVirtual = lookup.findStatic(Thread::class.java, "ofVirtual", MethodType.methodType(Class.forName("java.lang.Thread\$Builder\$OfVirtual")))
            val unstarted = lookup.findVirtual(builderClass, "unstarted", MethodType.methodType(Thread::class.java, Runnable::class.java))
            val factory: (Runnable) -> Thread = { r -> unstarted.invoke(ofVirtual.invoke(), r) as Thread }
            factory
        } catch (e: Throwable) {
            null
        }

        private fun newThread(name: String, body: () -> Unit): Thread {
            val r = Runnable(body)
            return (virtualFactory?.invoke(r) ?: Thread(null, r, name, 256 * 1024L).apply { isDaemon = true }).apply { this.name = name }
        }
    }
}

/**
 * Unwinds Java workflow code whose run was discarded by its worker (evicted from the cache, or
 * replayed elsewhere). It is an [Error] so that ordinary `catch (Exception e)` blocks let it pass;
 * do not catch it.
 */
public class WorkflowThreadDestroyed internal constructor() : Error("this workflow run was discarded by its worker; its Java code stops here")
