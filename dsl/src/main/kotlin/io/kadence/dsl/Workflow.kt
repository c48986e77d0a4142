package io.kadence.dsl

import io.kadence.workflow.WorkflowDefinition
import io.kadence.workflow.WorkflowScope
import kotlin.reflect.javaType
import kotlin.reflect.typeOf

/**
 * Defines a workflow type named [name] whose code is [body]: ordinary suspend code run on the
 * run's deterministic loop, with [WorkflowScope] as receiver.
 *
 * ```
 * val Greeting = workflow<String, String>("Greeting") { name ->
 *     val greeter = activities<Greeter>(ActivityOptions(startToClose = 10.seconds))
 *     sleep(1.hours)
 *     greeter.greet(name)
 * }
 * ```
 */
@OptIn(ExperimentalStdlibApi::class)
public inline fun <reified I, reified O> workflow(
    name: String,
    noinline body: suspend WorkflowScope.(I) -> O,
): WorkflowDefinition<I, O> = WorkflowDefinition(name, typeOf<I>().javaType, typeOf<O>().javaType, body)
