package io.kadence.java.internal

import io.kadence.context.ContextKey
import io.kadence.failure.InvalidArgumentException
import io.kadence.java.ActivityOptions
import io.kadence.java.ChildRun
import io.kadence.java.ChildWorkflowOptions
import io.kadence.java.JavaWorkflow
import io.kadence.java.LocalActivityOptions
import io.kadence.java.Promise
import io.kadence.java.SessionOptions
import io.kadence.java.SignalChannel
import io.kadence.java.WorkflowContext
import io.kadence.java.WorkflowType
import io.kadence.workflow.SessionInfo
import io.kadence.workflow.WorkflowDefinition
import io.kadence.workflow.WorkflowInfo
import io.kadence.workflow.WorkflowLogger
import io.kadence.workflow.WorkflowScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.withContext
import kotlinx.coroutines.async
import kotlinx.coroutines.channels.ReceiveChannel
import kotlinx.coroutines.withTimeoutOrNull
import java.lang.reflect.InvocationHandler
import java.lang.reflect.Method
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Proxy
import java.lang.reflect.Type
import java.lang.reflect.TypeVariable
import java.time.Duration
import java.time.Instant
import java.util.Random
import java.util.concurrent.ConcurrentHashMap
import java.util.function.Consumer
import java.util.function.Function
import java.util.function.Supplier
import kotlin.time.toKotlinDuration

/** Turns Java workflow classes into engine definitions (cached per class). */
internal object JavaWorkflows {
    private val definitions = ConcurrentHashMap<Class<*>, WorkflowDefinition<Any?, Any?>>()

    fun nameOf(cls: Class<*>): String = cls.getAnnotation(WorkflowType::class.java)?.value ?: cls.simpleName

    @Suppress("UNCHECKED_CAST")
    fun <I, O> definition(cls: Class<out JavaWorkflow<I, O>>): WorkflowDefinition<I, O> =
        definitions.computeIfAbsent(cls) { build(it) } as WorkflowDefinition<I, O>

    private fun build(cls: Class<*>): WorkflowDefinition<Any?, Any?> {
        val (input, output) = typeArguments(cls)
        val constructor = try {
            cls.getDeclaredConstructor().also { it.isAccessible = true }
        } catch (e: NoSuchMethodException) {
            throw InvalidArgumentException("Java workflow ${cls.name} needs a no-argument constructor: Kadence creates one instance per run")
        }
        return WorkflowDefinition(nameOf(cls), input, output) { arg ->
            @Suppress("UNCHECKED_CAST")
            val instance = constructor.newInstance() as JavaWorkflow<Any?, Any?>
            WorkflowThread.runNew(this, "kadence-java-workflow ${info.workflowId}") { instance.run(ContextImpl, arg) }
        }
    }

    /** The `I` and `O` of `JavaWorkflow<I, O>` as [cls] implements it. */
    private fun typeArguments(cls: Class<*>): Pair<Type, Type> {
        var c: Class<*>? = cls
        while (c != null) {
            for (t in c.genericInterfaces) {
                if (t is ParameterizedType && t.rawType == JavaWorkflow::class.java) {
                    val (i, o) = t.actualTypeArguments
                    if (i is TypeVariable<*> || o is TypeVariable<*>) break
                    return i to o
                }
            }
            c = c.superclass
        }
        throw InvalidArgumentException(
            "${cls.name} must implement JavaWorkflow<I, O> with concrete input and output types (for example JavaWorkflow<OrderRequest, String>)",
        )
    }
}

/** Void Java methods have no result to decode: the engine is asked for `Unit`. */
private fun resultTypeOf(t: Type): Type = if (t == Void.TYPE || t == Void::class.java) Unit::class.java else t

/** A stub of [iface] whose methods call [invoke] with the method name, arguments and types. */
internal fun <T : Any> javaStub(iface: Class<T>, invoke: (Method, Array<out Any?>) -> Any?): T {
    require(iface.isInterface) { "${iface.name} is not an interface" }
    val handler = InvocationHandler { proxy, method, args ->
        when {
            method.declaringClass == Any::class.java -> when (method.name) {
                "toString" -> "activity stub of ${iface.simpleName}"
                "hashCode" -> System.identityHashCode(proxy)
                "equals" -> proxy === args?.get(0)
                else -> throw UnsupportedOperationException(method.name)
            }
            else -> invoke(method, args ?: emptyArray()).let { if (method.returnType == Void.TYPE) null else it }
        }
    }
    return iface.cast(Proxy.newProxyInstance(iface.classLoader, arrayOf(iface), handler))
}

/** The context of every Java workflow: each call goes to the workflow thread it is made on. */
internal object ContextImpl : WorkflowContext {
    private fun <T> call(op: suspend (WorkflowScope) -> T): T = WorkflowThread.current().call(op)

    override fun info(): WorkflowInfo = call { it.info }
    override fun isReplaying(): Boolean = call { it.isReplaying }
    override fun logger(): WorkflowLogger = call { it.logger }
    override fun now(): Instant = call { it.now() }
    override fun sleep(duration: Duration): Unit = call { it.sleep(duration.toKotlinDuration()) }
    override fun random(): Random = call { scope ->
        // java.util.Random over the run's seeded source, so Java code gets the same numbers on replay.
        val source = scope.random
        object : Random() {
            override fun next(bits: Int): Int = source.nextBits(bits)
        }
    }
    override fun randomUUID(): String = call { it.uuid() }

    override fun <T : Any> activities(iface: Class<T>, options: ActivityOptions): T = javaStub(iface) { method, args ->
        call { scope ->
            scope.executeActivity(method.name, args.toList(), method.genericParameterTypes.toList(), resultTypeOf(method.genericReturnType), options.kotlin)
        }
    }

    override fun <T : Any> localActivities(iface: Class<T>, options: LocalActivityOptions): T = javaStub(iface) { method, args ->
        call { scope ->
            scope.executeLocalActivity(method.name, args.toList(), method.genericParameterTypes.toList(), resultTypeOf(method.genericReturnType), options.kotlin)
        }
    }

    override fun <R> executeActivity(name: String, resultType: Class<R>, options: ActivityOptions, vararg args: Any?): R = call { scope ->
        @Suppress("UNCHECKED_CAST")
        scope.executeActivity(name, args.toList(), args.map { (it?.javaClass ?: Any::class.java) as Type }, resultTypeOf(resultType), options.kotlin) as R
    }

    override fun <T> sideEffect(type: Class<T>, block: Supplier<T>): T = call { it.sideEffect(type) { block.get() } }

    override fun <T> mutableSideEffect(id: String, type: Class<T>, block: Supplier<T>): T = call { it.mutableSideEffect(id, type) { block.get() } }

    override fun getVersion(changeId: String, minSupported: Int, maxSupported: Int): Int = call { it.version(changeId, minSupported, maxSupported) }

    override fun <T> signalChannel(name: String, type: Class<T>): SignalChannel<T> {
        val channel = call { it.signalChannel<T>(name, type) }
        return JavaSignalChannel(channel)
    }

    private class JavaSignalChannel<T>(private val channel: ReceiveChannel<T>) : SignalChannel<T> {
        override fun receive(): T = WorkflowThread.current().call { channel.receive() }
        override fun receive(timeout: Duration): T? = WorkflowThread.current().call { withTimeoutOrNull(timeout.toKotlinDuration()) { channel.receive() } }
        override fun poll(): T? = WorkflowThread.current().call { channel.tryReceive().getOrNull() }
    }

    override fun <R> onQuery(name: String, handler: Supplier<R>): Unit = call { scope ->
        scope.onQuery(name, emptyList(), Any::class.java) { handler.get() }
    }

    override fun <A, R> onQuery(name: String, argType: Class<A>, handler: Function<A, R>): Unit = call { scope ->
        @Suppress("UNCHECKED_CAST")
        scope.onQuery(name, listOf(argType), Any::class.java) { args -> handler.apply(args[0] as A) }
    }

    override fun <A, R> onUpdate(name: String, argType: Class<A>, resultType: Class<R>, validator: Consumer<A>?, handler: Function<A, R>): Unit = call { scope ->
        @Suppress("UNCHECKED_CAST")
        scope.onUpdate(
            name, listOf(argType), resultTypeOf(resultType),
            validator?.let { v -> { args: List<Any?> -> v.accept(args[0] as A) } },
        ) { args -> WorkflowThread.runNew(scope, "kadence-java-update $name") { handler.apply(args[0] as A) } }
    }

    override fun <I, O> executeChild(workflow: Class<out JavaWorkflow<I, O>>, input: I, options: ChildWorkflowOptions): O =
        startChild(workflow, input, options).result()

    override fun <I, O> startChild(workflow: Class<out JavaWorkflow<I, O>>, input: I, options: ChildWorkflowOptions): ChildRun<O> {
        val definition = JavaWorkflows.definition(workflow)
        val handle = call { it.startChild(definition, input, options.kotlin) }
        return object : ChildRun<O> {
            override fun workflowId(): String = handle.workflowId
            override fun started(): String = WorkflowThread.current().call { handle.started() }
            override fun result(): O = WorkflowThread.current().call { handle.result() }
        }
    }

    override fun continueAsNew(input: Any?): Unit = call { scope ->
        scope.continueAsNew(input, input?.javaClass ?: Any::class.java)
    }

    override fun <R> async(body: Supplier<R>): Promise<R> {
        val deferred: Deferred<R> = call { scope -> scope.async { WorkflowThread.runNew(scope, "kadence-java-async") { body.get() } } }
        return object : Promise<R> {
            override fun get(): R = WorkflowThread.current().call { deferred.await() }
            override fun isDone(): Boolean = WorkflowThread.current().call { deferred.isCompleted }
        }
    }

    override fun <R> session(options: SessionOptions, body: Function<WorkflowContext, R>): R {
        val thread = WorkflowThread.current()
        return thread.call { scope -> scope.session(options.kotlin) { WorkflowThread.runNested(thread, this) { body.apply(ContextImpl) } } }
    }

    override fun <R> runDetached(body: Supplier<R>): R {
        val thread = WorkflowThread.current()
        return thread.call { scope -> withContext(NonCancellable) { WorkflowThread.runNested(thread, scope) { body.get() } } }
    }

    override fun sessionInfo(): SessionInfo? = call { it.sessionInfo() }

    override fun completeSession(): Unit = call { it.completeSession() }

    override fun <T> contextValue(key: ContextKey<T>): T? = call { it.contextValue(key) }
}
