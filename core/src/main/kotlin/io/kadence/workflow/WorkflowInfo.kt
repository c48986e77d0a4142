package io.kadence.workflow

/** Facts about the workflow run whose code is executing. */
public data class WorkflowInfo(
    val namespace: String,
    val workflowId: String,
    val runId: String,
    val workflowType: String,
    val taskQueue: String,
    /** 1 for the first run of a workflow retry chain. */
    val attempt: Int,
    /** Values propagated from the client that started the run. */
    val headers: Map<String, String>,
)
