-- Request ids of the signals a run has received, so that a signal whose commit succeeded but whose
-- acknowledgement was lost is not delivered twice when the client retries it. Deleted with the run's
-- other work when it closes.
CREATE TABLE signal_requests (
    run_id     VARCHAR(64)  NOT NULL,
    request_id VARCHAR(255) NOT NULL,
    PRIMARY KEY (run_id, request_id)
);
