package io.kadence.internal

/**
 * Marks declarations that are public only so that Kadence's own modules can reach them.
 * They may change in any release; applications must not use them.
 */
@RequiresOptIn(
    message = "This is an internal Kadence API shared between Kadence modules; it may change without notice.",
    level = RequiresOptIn.Level.ERROR,
)
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS, AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY, AnnotationTarget.TYPEALIAS, AnnotationTarget.CONSTRUCTOR)
public annotation class InternalKadenceApi
