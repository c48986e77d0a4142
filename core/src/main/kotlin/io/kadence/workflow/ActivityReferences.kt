@file:OptIn(ExperimentalStdlibApi::class)

package io.kadence.workflow

import io.kadence.activity.ActivityOptions
import kotlin.reflect.KFunction1
import kotlin.reflect.KFunction2
import kotlin.reflect.KFunction3
import kotlin.reflect.KFunction4
import kotlin.reflect.KSuspendFunction1
import kotlin.reflect.KSuspendFunction2
import kotlin.reflect.KSuspendFunction3
import kotlin.reflect.KSuspendFunction4
import kotlin.reflect.javaType
import kotlin.reflect.typeOf

// Activities called by method reference: `activity(Payments::charge, order, options)`. They work for
// blocking interface methods too, which a typed stub cannot call from a suspending workflow.

/** Calls the activity [method] (a method of an activity interface) with no arguments. */
public suspend inline fun <reified T : Any, reified R> WorkflowScope.activity(method: KFunction1<T, R>, options: ActivityOptions): R =
    executeActivity(method.name, emptyList(), emptyList(), typeOf<R>().javaType, options) as R

/** Calls the activity [method] with one argument. */
public suspend inline fun <reified T : Any, reified A, reified R> WorkflowScope.activity(method: KFunction2<T, A, R>, a: A, options: ActivityOptions): R =
    executeActivity(method.name, listOf(a), listOf(typeOf<A>().javaType), typeOf<R>().javaType, options) as R

/** Calls the activity [method] with two arguments. */
public suspend inline fun <reified T : Any, reified A, reified B, reified R> WorkflowScope.activity(
    method: KFunction3<T, A, B, R>, a: A, b: B, options: ActivityOptions,
): R = executeActivity(method.name, listOf(a, b), listOf(typeOf<A>().javaType, typeOf<B>().javaType), typeOf<R>().javaType, options) as R

/** Calls the activity [method] with three arguments. */
public suspend inline fun <reified T : Any, reified A, reified B, reified C, reified R> WorkflowScope.activity(
    method: KFunction4<T, A, B, C, R>, a: A, b: B, c: C, options: ActivityOptions,
): R = executeActivity(method.name, listOf(a, b, c), listOf(typeOf<A>().javaType, typeOf<B>().javaType, typeOf<C>().javaType), typeOf<R>().javaType, options) as R

/** Calls the suspend activity [method] with no arguments. */
@JvmName("activitySuspend0")
public suspend inline fun <reified T : Any, reified R> WorkflowScope.activity(method: KSuspendFunction1<T, R>, options: ActivityOptions): R =
    executeActivity(method.name, emptyList(), emptyList(), typeOf<R>().javaType, options) as R

/** Calls the suspend activity [method] with one argument. */
@JvmName("activitySuspend1")
public suspend inline fun <reified T : Any, reified A, reified R> WorkflowScope.activity(method: KSuspendFunction2<T, A, R>, a: A, options: ActivityOptions): R =
    executeActivity(method.name, listOf(a), listOf(typeOf<A>().javaType), typeOf<R>().javaType, options) as R

/** Calls the suspend activity [method] with two arguments. */
@JvmName("activitySuspend8")
public suspend inline fun <reified T : Any, reified A, reified B, reified R> WorkflowScope.activity(
    method: KSuspendFunction3<T, A, B, R>, a: A, b: B, options: ActivityOptions,
): R = executeActivity(method.name, listOf(a, b), listOf(typeOf<A>().javaType, typeOf<B>().javaType), typeOf<R>().javaType, options) as R

/** Calls the suspend activity [method] with three arguments. */
@JvmName("activitySuspend9")
public suspend inline fun <reified T : Any, reified A, reified B, reified C, reified R> WorkflowScope.activity(
    method: KSuspendFunction4<T, A, B, C, R>, a: A, b: B, c: C, options: ActivityOptions,
): R = executeActivity(method.name, listOf(a, b, c), listOf(typeOf<A>().javaType, typeOf<B>().javaType, typeOf<C>().javaType), typeOf<R>().javaType, options) as R
