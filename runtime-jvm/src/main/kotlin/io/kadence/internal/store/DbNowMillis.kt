package io.kadence.internal.store

import org.jetbrains.exposed.v1.core.ExpressionWithColumnType
import org.jetbrains.exposed.v1.core.IColumnType
import org.jetbrains.exposed.v1.core.LongColumnType
import org.jetbrains.exposed.v1.core.QueryBuilder

/** The database's clock in epoch milliseconds: leases are judged by it, never by a worker's clock. */
internal object DbNowMillis : ExpressionWithColumnType<Long>() {
    override val columnType: IColumnType<Long> = LongColumnType()
    override fun toQueryBuilder(queryBuilder: QueryBuilder) {
        queryBuilder.append("CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000 AS BIGINT)")
    }
}
