package io.kadence.java;

import io.kadence.activity.ActivityContext;
import io.kadence.failure.ActivityFailure;
import io.kadence.failure.ApplicationFailure;
import io.kadence.failure.CanceledFailure;
import io.kadence.failure.UpdateFailedException;
import io.kadence.failure.WorkflowFailedException;
import io.kadence.java.testing.JavaTestKadence;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java surface end to end: workflows written in Java, Java activities, records, builders, futures. */
class JavaWorkflowTest {
    public record Order(String id, int quantity) {}

    public record Receipt(String orderId, List<String> steps, Instant shippedAt) {}

    /** Plain blocking Java methods. */
    public interface Shop {
        String reserve(Order order);

        String ship(Order order);

        void audit(String note);
    }

    static final class ShopImpl implements Shop {
        final AtomicInteger audits = new AtomicInteger();

        @Override public String reserve(Order order) {
            ActivityContext ctx = ActivityContext.current();
            return "reserved " + order.quantity() + " for " + order.id() + " in " + ctx.getInfo().getActivityType() + " attempt " + ctx.getInfo().getAttempt();
        }

        @Override public String ship(Order order) {
            return "shipped " + order.id();
        }

        @Override public void audit(String note) {
            audits.incrementAndGet();
        }
    }

    static final ActivityOptions STEPS = ActivityOptions.newBuilder()
            .startToCloseTimeout(Duration.ofSeconds(10))
            .retryPolicy(RetryPolicy.newBuilder().maximumAttempts(3).initialInterval(Duration.ofMillis(100)).build())
            .build();

    public static final class OrderFlow implements JavaWorkflow<Order, Receipt> {
        @Override public Receipt run(WorkflowContext ctx, Order order) {
            Shop shop = ctx.activities(Shop.class, STEPS);
            String reserved = shop.reserve(order);
            ctx.sleep(Duration.ofDays(2));
            shop.audit("slept");
            return new Receipt(order.id(), List.of(reserved, shop.ship(order)), ctx.now());
        }
    }

    @Test
    void aJavaWorkflowTakesRecordsCallsBlockingActivitiesAndSleepsDurably() {
        try (Kadence kadence = JavaStores.open()) {
            ShopImpl shop = new ShopImpl();
            kadence.newWorker("shop", JavaStores.worker().build())
                    .registerWorkflow(OrderFlow.class)
                    .registerActivities(Shop.class, shop)
                    .start();
            Instant start = JavaTestKadence.now(kadence);
            WorkflowRun<Receipt> run = kadence.client().start(OrderFlow.class, new Order("o-1", 3),
                    WorkflowOptions.newBuilder().id("order-1").taskQueue("shop").build());
            Receipt receipt = run.result(Duration.ofSeconds(30));
            assertEquals("o-1", receipt.orderId());
            assertEquals(List.of("reserved 3 for o-1 in reserve attempt 1", "shipped o-1"), receipt.steps());
            assertTrue(!receipt.shippedAt().isBefore(start.plus(Duration.ofDays(2))), receipt.shippedAt().toString());
            assertEquals(1, shop.audits.get());
            assertEquals("OrderFlow", run.describe().getWorkflowType());
        }
    }

    public static final class Counter implements JavaWorkflow<Integer, Integer> {
        private int total;

        @Override public Integer run(WorkflowContext ctx, Integer start) {
            total = start;
            ctx.onQuery("total", () -> total);
            ctx.onUpdate("add", Integer.class, Integer.class,
                    n -> { if (n <= 0) throw new IllegalArgumentException("amount must be positive, was " + n); },
                    n -> { total += n; return total; });
            SignalChannel<String> done = ctx.signalChannel("done", String.class);
            String early = done.poll();
            if (early != null) return -1;
            done.receive();
            return total;
        }
    }

    @Test
    void signalsQueriesAndUpdatesWithAValidatorWorkFromJava() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("count", JavaStores.worker().build()).registerWorkflow(Counter.class).start();
            WorkflowRun<Integer> run = kadence.client().start(Counter.class, 10, WorkflowOptions.newBuilder().id("counter").taskQueue("count").build());
            assertEquals(15, run.update("add", 5, Integer.class, "first"));
            assertEquals(15, run.update("add", 5, Integer.class, "first"));
            UpdateFailedException rejected = assertThrows(UpdateFailedException.class, () -> run.update("add", -2, Integer.class));
            assertEquals("REJECTED", rejected.getStatus());
            assertTrue(rejected.getMessage().contains("amount must be positive, was -2"), rejected.getMessage());
            assertEquals(15, run.query("total", Integer.class));
            run.signal("done", "now");
            assertEquals(15, run.result());
        }
    }

    public static final class Square implements JavaWorkflow<Integer, Integer> {
        @Override public Integer run(WorkflowContext ctx, Integer n) {
            ctx.sleep(Duration.ofMinutes(n));
            return n * n;
        }
    }

    public static final class SumOfSquares implements JavaWorkflow<Integer, Integer> {
        @Override public Integer run(WorkflowContext ctx, Integer n) {
            List<Promise<Integer>> parts = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                int k = i;
                parts.add(ctx.async(() -> ctx.executeChild(Square.class, k,
                        ChildWorkflowOptions.newBuilder().workflowId(ctx.info().getWorkflowId() + "-" + k).build())));
            }
            int sum = 0;
            for (Promise<Integer> p : parts) sum += p.get();
            return sum;
        }
    }

    @Test
    void childWorkflowsFanOutWithAsyncAndFanIn() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("math", JavaStores.worker().build()).registerWorkflow(SumOfSquares.class).registerWorkflow(Square.class).start();
            WorkflowRun<Integer> run = kadence.client().start(SumOfSquares.class, 5, WorkflowOptions.newBuilder().id("sum").taskQueue("math").build());
            assertEquals(1 + 4 + 9 + 16 + 25, run.result(Duration.ofSeconds(30)));
            assertEquals(25, kadence.client().handle("sum-5", Integer.class).result());
        }
    }

    @WorkflowType("Countdown")
    public static final class CountdownFlow implements JavaWorkflow<Integer, String> {
        @Override public String run(WorkflowContext ctx, Integer n) {
            if (n > 0) ctx.continueAsNew(n - 1);
            int version = ctx.getVersion("greeting", -1, 1);
            String id = ctx.sideEffect(String.class, () -> "fixed-" + ctx.hashCode());
            return "liftoff after attempt " + ctx.info().getAttempt() + " v" + version + " " + id.startsWith("fixed-");
        }
    }

    @Test
    void continueAsNewSideEffectsAndVersionsWorkFromJava() throws Exception {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("loop", JavaStores.worker().build()).registerWorkflow(CountdownFlow.class).start();
            CompletableFuture<WorkflowRun<String>> started = kadence.client().startAsync(CountdownFlow.class, 3,
                    WorkflowOptions.newBuilder().id("countdown").taskQueue("loop").build());
            WorkflowRun<String> run = started.get(30, TimeUnit.SECONDS);
            assertEquals("liftoff after attempt 1 v1 true", run.resultAsync().get(30, TimeUnit.SECONDS));
            assertEquals("Countdown", run.describe().getWorkflowType());
        }
    }

    public static final class CleansUp implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String item) {
            Shop shop = ctx.activities(Shop.class, STEPS);
            try {
                ctx.sleep(Duration.ofDays(30));
                return "not canceled";
            } catch (CanceledFailure e) {
                return ctx.runDetached(() -> {
                    shop.audit("canceled " + item);
                    return "cleaned up " + item;
                });
            }
        }
    }

    @Test
    void aCanceledJavaWorkflowCleansUpWithAnActivityAndDecidesItsResult() throws Exception {
        try (Kadence kadence = JavaStores.open()) {
            JavaTestKadence.holdTime(kadence);
            ShopImpl shop = new ShopImpl();
            kadence.newWorker("clean", JavaStores.worker().build()).registerWorkflow(CleansUp.class).registerActivities(Shop.class, shop).start();
            WorkflowRun<String> run = kadence.client().start(CleansUp.class, "box", WorkflowOptions.newBuilder().id("cleaner").taskQueue("clean").build());
            long deadline = System.currentTimeMillis() + 20_000;
            while (run.describe().getPendingTimers().isEmpty()) {
                assertTrue(System.currentTimeMillis() < deadline, "the run never started its timer");
                Thread.sleep(10);
            }
            run.cancel("changed my mind");
            assertEquals("cleaned up box", run.result(Duration.ofSeconds(30)));
            assertEquals(1, shop.audits.get());
        }
    }

    public static final class Fails implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String input) {
            try {
                return ctx.executeActivity("missing", String.class,
                        ActivityOptions.newBuilder().startToCloseTimeout(Duration.ofSeconds(5))
                                .retryPolicy(RetryPolicy.newBuilder().maximumAttempts(2).initialInterval(Duration.ofMillis(10)).build()).build(),
                        input);
            } catch (ActivityFailure e) {
                throw ApplicationFailure.newNonRetryableFailureWithCause("gave up on " + e.getActivityType(), "GaveUp", e);
            }
        }
    }

    @Test
    void failuresReachJavaCodeAndTheClientAsTypedExceptions() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("fail", JavaStores.worker().build()).registerWorkflow(Fails.class).registerActivities(Shop.class, new ShopImpl()).start();
            WorkflowRun<String> run = kadence.client().start(Fails.class, "x", WorkflowOptions.newBuilder().id("fails").taskQueue("fail").build());
            WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> run.result(Duration.ofSeconds(30)));
            ApplicationFailure cause = assertInstanceOf(ApplicationFailure.class, e.getCause());
            assertEquals("GaveUp", cause.getType());
            assertEquals("gave up on missing", cause.getMessage());
        }
    }
}
