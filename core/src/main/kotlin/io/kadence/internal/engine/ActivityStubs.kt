package io.kadence.internal.engine

import io.kadence.failure.InvalidArgumentException
import io.kadence.internal.InternalKadenceApi
import java.lang.reflect.Method
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Proxy
import java.lang.reflect.Type
import java.lang.reflect.WildcardType
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn

/** Typed activity stubs: a dynamic proxy whose suspend methods schedule activities. */
internal object ActivityStubs {
    /** A stub whose methods call [call] with the activity's name, arguments and declared types. */
    fun <T : Any> create(iface: Class<T>, call: suspend (name: String, args: List<Any?>, argTypes: List<Type>, resultType: Type) -> Any?): T {
        if (!iface.isInterface) throw InvalidArgumentException("activities(${iface.name}): activity stubs are made from interfaces; ${iface.name} is a class")
        val proxy = Proxy.newProxyInstance(iface.classLoader, arrayOf(iface)) { self, method, args ->
            when {
                method.declaringClass == Any::class.java -> when (method.name) {
                    "toString" -> "ActivityStub(${iface.simpleName})"
                    "hashCode" -> System.identityHashCode(self)
                    "equals" -> self === args?.get(0)
                    else -> throw UnsupportedOperationException(method.name)
                }
                else -> invoke(iface, method, args ?: emptyArray(), call)
            }
        }
        return iface.cast(proxy)
    }

    private fun invoke(iface: Class<*>, method: Method, args: Array<Any?>, call: suspend (String, List<Any?>, List<Type>, Type) -> Any?): Any? {
        val signature = ActivityMethods.signature(method)
            ?: throw InvalidArgumentException(
                "activity method ${iface.simpleName}.${method.name} is not a suspend function: from Kotlin workflow code, " +
                    "declare it `suspend` in the interface (its implementation may still block), or call the blocking method " +
                    "by reference: activity(${iface.simpleName}::${method.name}, args…, options)",
            )
        @Suppress("UNCHECKED_CAST")
        val continuation = args.last() as Continuation<Any?>
        val callArgs = args.copyOfRange(0, args.size - 1).toList()
        val invocation: suspend () -> Any? = { call(signature.name, callArgs, signature.parameterTypes, signature.resultType) }
        return invocation.startCoroutineUninterceptedOrReturn(continuation)
    }
}

/** How Kadence sees an activity method: its name, argument types and result type. */
@InternalKadenceApi
public class ActivitySignature(
    public val name: String,
    public val parameterTypes: List<Type>,
    public val resultType: Type,
    public val isSuspend: Boolean,
)

/** Reads activity signatures from interface methods (suspend or blocking). */
@InternalKadenceApi
public object ActivityMethods {
    /** The activity name of [method]: its simple name, as Temporal does by default. */
    public fun name(method: Method): String = method.name

    /** Signature of [method]; null for a blocking method when [requireSuspend] is true. */
    public fun signature(method: Method, requireSuspend: Boolean = true): ActivitySignature? {
        val params = method.genericParameterTypes
        val isSuspend = params.isNotEmpty() && method.parameterTypes.last() == Continuation::class.java
        if (!isSuspend) {
            if (requireSuspend) return null
            return ActivitySignature(name(method), params.toList(), method.genericReturnType, false)
        }
        val contType = params.last()
        val result: Type = (contType as? ParameterizedType)?.actualTypeArguments?.get(0)?.let {
            if (it is WildcardType) it.lowerBounds.firstOrNull() ?: it.upperBounds.first() else it
        } ?: Any::class.java
        return ActivitySignature(name(method), params.dropLast(1), result, true)
    }
}
