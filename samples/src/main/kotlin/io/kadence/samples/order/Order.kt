package io.kadence.samples.order

import kotlinx.serialization.Serializable

@Serializable
data class Order(val id: String, val item: String, val quantity: Int, val cents: Long, val pauseSeconds: Int = 2)
