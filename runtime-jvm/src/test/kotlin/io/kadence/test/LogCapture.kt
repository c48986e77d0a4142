package io.kadence.test

import ch.qos.logback.classic.Level
import ch.qos.logback.classic.Logger
import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.core.read.ListAppender
import org.slf4j.LoggerFactory

/**
 * Records what one logger logs during a test: made attached (at [level], when given), and
 * [detach] puts the logger back as it was. Read what was logged from [list].
 */
class LogCapture private constructor(private val logger: Logger, level: Level?) : ListAppender<ILoggingEvent>() {
    private val previousLevel = logger.level

    init {
        start()
        level?.let { logger.level = it }
        logger.addAppender(this)
    }

    /** Stops recording and restores the logger's level. */
    fun detach() {
        logger.detachAppender(this)
        logger.level = previousLevel
        stop()
    }

    companion object {
        fun of(type: Class<*>, level: Level? = null): LogCapture = LogCapture(LoggerFactory.getLogger(type) as Logger, level)
        fun of(name: String, level: Level? = null): LogCapture = LogCapture(LoggerFactory.getLogger(name) as Logger, level)
    }
}
