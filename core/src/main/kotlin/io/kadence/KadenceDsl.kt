package io.kadence

/**
 * The DSL marker of Kadence's builder blocks (workflow code, option builders, worker and client
 * configuration). Inside an inner block, the members of an outer receiver cannot be called without
 * naming it: `sessions { register(X) }` or `retry { sleep(1.seconds) }` do not compile.
 */
@DslMarker
@Target(AnnotationTarget.CLASS, AnnotationTarget.TYPEALIAS, AnnotationTarget.TYPE)
public annotation class KadenceDsl
