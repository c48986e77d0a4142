package io.kadence.workflow

import io.kadence.failure.InvalidArgumentException
import java.lang.reflect.Type

/**
 * A workflow type: its [name], the types of its input and output, and its code. Definitions are
 * values: register one on a worker, start it from a client. Create them with the DSL's
 * `workflow<I, O>("Name") { input -> … }`.
 *
 * The [body] runs on the run's deterministic loop: it must reach the outside world only through
 * activities, timers and the other [WorkflowScope] operations, so that a replay of the history
 * takes exactly the same steps.
 */
public class WorkflowDefinition<I, O>(
    public val name: String,
    public val inputType: Type,
    public val outputType: Type,
    public val body: suspend WorkflowScope.(I) -> O,
) {
    init {
        if (name.isBlank()) throw InvalidArgumentException("workflow name must not be blank")
    }

    override fun toString(): String = "WorkflowDefinition($name)"
}
