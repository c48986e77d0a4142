package io.kadence.java.internal

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.future.future
import kotlinx.coroutines.runBlocking
import java.lang.reflect.Type
import java.util.concurrent.CompletableFuture

// How the Java facade turns the engine's suspend calls into blocking calls and CompletableFutures.
// Kept in the internal package: Kotlin compiles top-level functions into a public class, which javac sees.

/** A shared scope for the `CompletableFuture` twins of blocking calls. */
private val futures = CoroutineScope(SupervisorJob() + Dispatchers.IO)

/** Runs [block] on the calling thread until it returns (the blocking form of a call). */
internal fun <T> blocking(block: suspend () -> T): T = runBlocking { block() }

/** Runs [block] on the shared scope; the future completes with its result or its exception (the `…Async` form). */
internal fun <T> async(block: suspend () -> T): CompletableFuture<T> = futures.future { block() }

/** The type an untyped Java argument is encoded as: its class (Object for null). */
internal fun argType(arg: Any?): Type = arg?.javaClass ?: Any::class.java
