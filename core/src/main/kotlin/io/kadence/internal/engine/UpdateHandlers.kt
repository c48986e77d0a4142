package io.kadence.internal.engine

import io.kadence.converter.Payloads
import io.kadence.failure.Failures
import io.kadence.history.FailureInfo
import io.kadence.history.UpdateRequested
import io.kadence.history.WorkflowUpdateAccepted
import io.kadence.history.WorkflowUpdateCompleted
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import java.lang.reflect.Type

/**
 * The update handlers a run registered, and the running of updates: a validator runs before
 * anything is recorded (and never on replay); an accepted update's handler runs as a child of the
 * workflow (so the run does not complete under it) and records its outcome as a command.
 */
internal class UpdateHandlers(private val executor: WorkflowExecutor) {
    private class Handler(
        val argTypes: List<Type>,
        val resultType: Type,
        val validator: ((List<Any?>) -> Unit)?,
        val handler: suspend (List<Any?>) -> Any?,
    )

    private val handlers = HashMap<String, Handler>()
    lateinit var scope: CoroutineScope

    /** True while a validator runs: it may read state but not issue commands. */
    var validating = false
        private set

    fun register(name: String, argTypes: List<Type>, resultType: Type, validator: ((List<Any?>) -> Unit)?, handler: suspend (List<Any?>) -> Any?) {
        handlers[name] = Handler(argTypes, resultType, validator, handler)
    }

    /** Null when [request] is accepted, else why it was rejected. */
    fun validate(request: UpdateRequested): FailureInfo? {
        val h = handlers[request.name]
            ?: return rejection("workflow '${executor.info.workflowId}' has no handler for update '${request.name}'; known updates: ${handlers.keys.sorted()}")
        val args = try {
            Payloads.decodeArgs(executor.converter, request.input, h.argTypes, "arguments of update '${request.name}'")
        } catch (e: Exception) {
            return rejection("arguments of update '${request.name}' could not be decoded as ${h.argTypes.map { it.typeName }}: ${e.message}")
        }
        val validator = h.validator ?: return null
        validating = true
        return try {
            validator(args)
            null
        } catch (e: CancellationException) {
            throw e
        } catch (e: Exception) {
            Failures.toInfo(e)
        } finally {
            validating = false
        }
    }

    private fun rejection(message: String) = FailureInfo(message, "UpdateRejected", nonRetryable = true)

    /** Starts the handler of an accepted update on the run's loop. */
    fun start(accepted: WorkflowUpdateAccepted) {
        val h = handlers[accepted.name]
        scope.launch {
            val completed = try {
                if (h == null) throw IllegalStateException("no handler for update '${accepted.name}' on replay; it was registered when the update was accepted")
                val args = Payloads.decodeArgs(executor.converter, accepted.input, h.argTypes, "arguments of update '${accepted.name}'")
                val result = h.handler(args)
                WorkflowUpdateCompleted(accepted.updateId, result = Payloads.encode(executor.converter, result, h.resultType, "result of update '${accepted.name}'"))
            } catch (e: CancellationException) {
                throw e
            } catch (e: Exception) {
                WorkflowUpdateCompleted(accepted.updateId, failure = Failures.toInfo(e))
            }
            executor.commands.issue(completed)
        }
    }
}
