package io.kadence.context

import io.kadence.activity.ActivityContext
import io.kadence.converter.DataConverter
import io.kadence.failure.InvalidArgumentException
import java.lang.reflect.Type
import java.util.concurrent.Executor
import kotlin.coroutines.AbstractCoroutineContextElement
import kotlin.coroutines.CoroutineContext
import kotlin.reflect.javaType
import kotlin.reflect.typeOf

/**
 * A value that travels with a workflow without being passed as a parameter (a tenant, a user, a
 * trace id): set at the client, stored as a header of the run, readable in the workflow, its
 * activities, its children and the runs it continues as. [name] is the header name; values are
 * encoded as JSON by [type].
 */
public class ContextKey<T>(public val name: String, public val type: Type) {
    init {
        if (name.isBlank()) throw InvalidArgumentException("context key name must not be blank")
    }

    /** Encodes [value] as this key's header value. */
    public fun encode(value: T): String = DataConverter.default.encode(value, type)

    /** Decodes this key's header value, or null when [headers] lack it. */
    @Suppress("UNCHECKED_CAST")
    public fun decode(headers: Map<String, String>): T? = headers[name]?.let { DataConverter.default.decode(it, type) as T }

    override fun toString(): String = "ContextKey($name)"
}

/** A [ContextKey] typed by [T]: `val Tenant = contextKey<String>("tenant")`. */
@OptIn(ExperimentalStdlibApi::class)
public inline fun <reified T> contextKey(name: String): ContextKey<T> = ContextKey(name, typeOf<T>().javaType)

/**
 * Context values as a coroutine context element. At the client, `withContext(KadenceContext.of(Tenant to "acme"))`
 * around a start makes the values the run's headers; in workflow code, the values added by
 * `withContextValues` for what the workflow calls next.
 */
public class KadenceContext(public val headers: Map<String, String>) : AbstractCoroutineContextElement(Key) {
    /** This context's value for [key], or null. */
    public operator fun <T> get(key: ContextKey<T>): T? = key.decode(headers)

    /** This context with [values] added (replacing values of the same keys). */
    public fun plus(values: Map<ContextKey<*>, Any?>): KadenceContext = KadenceContext(headers + encode(values))

    /** Reading propagated values (and the coroutine context key). */
    public companion object Key : CoroutineContext.Key<KadenceContext> {
        /** A context holding [values]. */
        public fun of(vararg values: Pair<ContextKey<*>, Any?>): KadenceContext = KadenceContext(encode(values.toMap()))

        @Suppress("UNCHECKED_CAST")
        internal fun encode(values: Map<ContextKey<*>, Any?>): Map<String, String> =
            values.entries.associate { (k, v) -> k.name to (k as ContextKey<Any?>).encode(v) }

        /**
         * The value of [key] for the workflow run or activity executing on this thread (Java and blocking
         * code), or null. In a workflow this is the run's value; values added by `withContextValues`
         * live in the coroutine context, which Kotlin code reads with `contextValue(key)`.
         */
        @JvmStatic
        @OptIn(io.kadence.internal.InternalKadenceApi::class)
        public fun <T> current(key: ContextKey<T>): T? {
            io.kadence.internal.engine.WorkflowExecutor.currentOnThread()?.let { return key.decode(it.info.headers) }
            return key.decode(ActivityContext.current().info.headers)
        }

        /**
         * An executor that runs each task with the calling activity's context bound, so threads an
         * activity hands work to still see its [ActivityContext] and context values.
         */
        @JvmStatic
        public fun propagating(executor: Executor): Executor {
            val ctx = ActivityContext.current()
            return Executor { task ->
                executor.execute {
                    @OptIn(io.kadence.internal.InternalKadenceApi::class)
                    val previous = ActivityContext.ThreadBinding.bind(ctx)
                    try {
                        task.run()
                    } finally {
                        @OptIn(io.kadence.internal.InternalKadenceApi::class)
                        ActivityContext.ThreadBinding.bind(previous)
                    }
                }
            }
        }
    }
}
