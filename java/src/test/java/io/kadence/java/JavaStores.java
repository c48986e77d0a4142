package io.kadence.java;

import io.kadence.java.testing.JavaTestKadence;
import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.util.UUID;

/** Opens the store this pass runs on: in-memory H2 (default) or a fresh PostgreSQL schema. */
final class JavaStores {
    private JavaStores() {}

    static final boolean POSTGRES = "postgres".equals(System.getProperty("kadence.store", "h2"));
    static final int CACHE_SIZE = Integer.parseInt(System.getProperty("kadence.cacheSize", "1000"));
    private static final String PG_URL = System.getProperty("kadence.pg.url", "jdbc:postgresql://127.0.0.1:5432/test");

    static Kadence open() {
        return open(new JavaDataConverter());
    }

    static Kadence open(io.kadence.converter.DataConverter converter) {
        if (!POSTGRES) return JavaTestKadence.create(converter);
        String schema = "kt_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(PG_URL, "postgres", "")) {
            c.createStatement().execute("CREATE SCHEMA " + schema);
        } catch (Exception e) {
            if ("true".equals(System.getenv("CI"))) throw new IllegalStateException("CI must run the PostgreSQL suite, but " + PG_URL + " is not reachable", e);
            Assumptions.assumeTrue(false, "SKIPPED: PostgreSQL at " + PG_URL + " is not reachable; the PostgreSQL run of the Java suite did not run");
        }
        return JavaTestKadence.create(PG_URL + "?currentSchema=" + schema, "postgres", "", converter);
    }

    static WorkerOptions.Builder worker() {
        return WorkerOptions.newBuilder().workflowCacheSize(CACHE_SIZE);
    }
}
