package io.kadence.java;

import io.kadence.activity.ActivityContext;
import io.kadence.context.ContextKey;
import io.kadence.failure.ApplicationFailure;
import io.kadence.failure.ChildWorkflowFailure;
import io.kadence.history.LocalActivityRecorded;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** More of the Kotlin suite's scenarios, bound to the Java API. */
class JavaMoreScenariosTest {
    public interface Prices {
        long price(String sku);
    }

    public static final class FixedPrices implements Prices {
        @Override public long price(String sku) {
            return sku.length() * 100L;
        }
    }

    public static final class Quote implements JavaWorkflow<List<String>, Long> {
        @Override public Long run(WorkflowContext ctx, List<String> skus) {
            Prices prices = ctx.localActivities(Prices.class, LocalActivityOptions.newBuilder().startToCloseTimeout(Duration.ofSeconds(2)).build());
            long total = 0;
            for (String sku : skus) total += prices.price(sku);
            return total;
        }
    }

    @Test
    void localActivitiesRecordOnlyTheirOutcome() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("quotes", JavaStores.worker().build()).registerWorkflow(Quote.class).registerActivities(Prices.class, new FixedPrices()).start();
            WorkflowRun<Long> run = kadence.client().start(Quote.class, List.of("ab", "abc"), WorkflowOptions.newBuilder().id("quote").taskQueue("quotes").build());
            assertEquals(500L, run.result(Duration.ofSeconds(30)));
            long recorded = run.history().stream().filter(e -> e.getAttributes() instanceof LocalActivityRecorded).count();
            assertEquals(2, recorded);
        }
    }

    public static final class Greeter implements JavaWorkflow<String, String> {
        private String greeting = "Hello";

        @Override public String run(WorkflowContext ctx, String name) {
            ctx.onQuery("greet", String.class, who -> greeting + ", " + who);
            SignalChannel<String> greetings = ctx.signalChannel("greeting", String.class);
            greeting = greetings.receive();
            greetings.receive();
            return greeting + ", " + name;
        }
    }

    @Test
    void signalWithStartDeliversTheSignalFirstAndQueriesTakeArguments() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("greet", JavaStores.worker().build()).registerWorkflow(Greeter.class).start();
            WorkflowOptions options = WorkflowOptions.newBuilder().id("greeter").taskQueue("greet").build();
            WorkflowRun<String> run = kadence.client().signalWithStart(Greeter.class, "Ada", "greeting", "Bonjour", options);
            WorkflowRun<String> again = kadence.client().signalWithStart(Greeter.class, "ignored", "greeting", "Hej", options);
            assertEquals(run.runId(), again.runId());
            assertEquals("Bonjour, Ada", run.result(Duration.ofSeconds(30)));
            // A query of a closed run replays it: the handler sees the state the run ended with.
            assertEquals("Bonjour, Grace", run.query("greet", String.class, "Grace"));
        }
    }

    public static final class Tenant {
        public static final ContextKey<String> KEY = new ContextKey<>("tenant", String.class);
    }

    public interface Audit {
        String whoAmI();
    }

    public static final class TenantAudit implements Audit {
        @Override public String whoAmI() {
            return ActivityContext.current().getInfo().getHeaders().get("tenant");
        }
    }

    public static final class Failing implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String input) {
            throw ApplicationFailure.newNonRetryableFailure("no " + input + " for " + ctx.contextValue(Tenant.KEY), "Missing");
        }
    }

    public static final class Parent implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String input) {
            String tenant = ctx.contextValue(Tenant.KEY);
            String header = ctx.activities(Audit.class, JavaWorkflowTest.STEPS).whoAmI();
            try {
                return ctx.executeChild(Failing.class, input, ChildWorkflowOptions.newBuilder().workflowId("child-of-parent").build());
            } catch (ChildWorkflowFailure e) {
                ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, e.getCause());
                return tenant + " | " + header + " | " + e.getWorkflowType() + " " + e.getStatus() + ": " + cause.getMessage();
            }
        }
    }

    @Test
    void contextValuesTravelToActivitiesAndChildrenAndChildFailuresAreTyped() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("ctx", JavaStores.worker().build()).registerWorkflow(Parent.class).registerWorkflow(Failing.class)
                    .registerActivities(Audit.class, new TenantAudit()).start();
            WorkflowRun<String> run = kadence.client().start(Parent.class, "invoice",
                    WorkflowOptions.newBuilder().id("parent").taskQueue("ctx").context(Tenant.KEY, "acme").build());
            assertEquals("acme | \"acme\" | Failing FAILED: no invoice for acme", run.result(Duration.ofSeconds(30)));
        }
    }
}
