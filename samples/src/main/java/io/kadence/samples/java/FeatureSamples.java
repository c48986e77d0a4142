package io.kadence.samples.java;

import io.kadence.client.WorkflowStatus;
import io.kadence.client.WorkflowSummary;
import io.kadence.failure.CanceledFailure;
import io.kadence.failure.UpdateFailedException;
import io.kadence.java.ActivityOptions;
import io.kadence.java.ChildRun;
import io.kadence.java.ChildWorkflowOptions;
import io.kadence.java.JavaWorkflow;
import io.kadence.java.Kadence;
import io.kadence.java.Promise;
import io.kadence.java.RetryPolicy;
import io.kadence.java.SignalChannel;
import io.kadence.java.WorkflowContext;
import io.kadence.java.WorkflowOptions;
import io.kadence.java.WorkflowRun;
import io.kadence.workflow.ParentClosePolicy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The workflow features from Java, one small sample each: an order with retries and a durable
 * sleep, signals + query + update, child workflows, continue-as-new, determinism helpers, and
 * cancellation with cleanup. Each {@code run…} method returns the lines the sample prints.
 *
 *     mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.java.FeatureSamples
 */
public final class FeatureSamples {
    private FeatureSamples() {}

    private static WorkflowOptions options(String prefix, String queue) {
        return WorkflowOptions.newBuilder().id(prefix + "-" + UUID.randomUUID().toString().substring(0, 8)).taskQueue(queue).build();
    }

    // ------------------------------------------------------------------ order: retries and a durable sleep

    public record Order(String id, int quantity) {}

    public interface Payments {
        String charge(Order order);
    }

    /** Fails the first two attempts, as a flaky payment service would. */
    public static final class FlakyPayments implements Payments {
        final AtomicInteger attempts = new AtomicInteger();

        @Override public String charge(Order order) {
            int attempt = attempts.incrementAndGet();
            if (attempt < 3) throw new IllegalStateException("payment service unavailable (attempt " + attempt + ")");
            return "charged " + order.id() + " on attempt " + attempt;
        }
    }

    public static final class OrderFlow implements JavaWorkflow<Order, String> {
        @Override public String run(WorkflowContext ctx, Order order) {
            Payments payments = ctx.activities(Payments.class, ActivityOptions.newBuilder()
                    .startToCloseTimeout(Duration.ofSeconds(10))
                    .retryPolicy(RetryPolicy.newBuilder().initialInterval(Duration.ofMillis(50)).maximumAttempts(5).build())
                    .build());
            ctx.sleep(Duration.ofMillis(300));
            return payments.charge(order);
        }
    }

    public static List<String> runOrder(Path dataDir) {
        try (Kadence kadence = Kadence.embedded(dataDir)) {
            kadence.newWorker("orders").registerWorkflow(OrderFlow.class).registerActivities(Payments.class, new FlakyPayments()).start();
            return List.of(kadence.client().start(OrderFlow.class, new Order("o-7", 2), options("order", "orders")).result());
        }
    }

    // ------------------------------------------------------------------ signals, a query, an update

    public record CartLine(String item, long cents) {}

    /** What happens to a cart: an item is added, or the customer checks out. */
    public record CartEvent(String kind, CartLine line) {}

    public static final class Cart implements JavaWorkflow<String, String> {
        private final List<CartLine> lines = new ArrayList<>();
        private int discount;

        private long total() {
            return lines.stream().mapToLong(CartLine::cents).sum() * (100 - discount) / 100;
        }

        @Override public String run(WorkflowContext ctx, String customer) {
            ctx.onQuery("total", this::total);
            ctx.onUpdate("discount", Integer.class, Long.class,
                    percent -> { if (percent < 0 || percent > 50) throw new IllegalArgumentException("discount must be 0..50 %, was " + percent); },
                    percent -> { discount = percent; return total(); });
            SignalChannel<CartEvent> events = ctx.signalChannel("cart", CartEvent.class);
            for (CartEvent e = events.receive(); !e.kind().equals("checkout"); e = events.receive()) lines.add(e.line());
            return customer + " bought " + lines.stream().map(CartLine::item).toList() + " for " + total() + " cents";
        }
    }

    public static List<String> runMessages(Path dataDir) {
        try (Kadence kadence = Kadence.embedded(dataDir)) {
            kadence.newWorker("carts").registerWorkflow(Cart.class).start();
            WorkflowRun<String> cart = kadence.client().start(Cart.class, "ada", options("cart", "carts"));
            List<String> out = new ArrayList<>();
            cart.signal("cart", new CartEvent("add", new CartLine("coffee", 1_200)));
            cart.signal("cart", new CartEvent("add", new CartLine("mug", 800)));
            try {
                cart.update("discount", 80, Long.class);
                out.add("discount 80 %: accepted");
            } catch (UpdateFailedException e) {
                out.add("discount 80 %: refused (" + e.getStatus() + ")");
            }
            out.add("discount 10 %: new total " + cart.update("discount", 10, Long.class));
            out.add("query total: " + cart.query("total", Long.class));
            cart.signal("cart", new CartEvent("checkout", null));
            out.add(cart.result());
            return out;
        }
    }

    // ------------------------------------------------------------------ child workflows

    public static final class CountWords implements JavaWorkflow<String, Integer> {
        @Override public Integer run(WorkflowContext ctx, String text) {
            return text.isBlank() ? 0 : text.trim().split(" +").length;
        }
    }

    public static final class Report implements JavaWorkflow<Integer, String> {
        @Override public String run(WorkflowContext ctx, Integer total) {
            ctx.sleep(Duration.ofMillis(200));
            return "report: " + total + " words";
        }
    }

    public static final class WordCount implements JavaWorkflow<List<String>, Integer> {
        @Override public Integer run(WorkflowContext ctx, List<String> texts) {
            List<Promise<Integer>> counts = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                String text = texts.get(i);
                ChildWorkflowOptions child = ChildWorkflowOptions.newBuilder().workflowId(ctx.info().getWorkflowId() + "-count-" + i).build();
                counts.add(ctx.async(() -> ctx.executeChild(CountWords.class, text, child)));
            }
            int total = 0;
            for (Promise<Integer> c : counts) total += c.get();
            ChildRun<String> report = ctx.startChild(Report.class, total, ChildWorkflowOptions.newBuilder()
                    .workflowId(ctx.info().getWorkflowId() + "-report").parentClosePolicy(ParentClosePolicy.ABANDON).build());
            report.started();
            return total;
        }
    }

    public static List<String> runChildren(Path dataDir) {
        try (Kadence kadence = Kadence.embedded(dataDir)) {
            kadence.newWorker("children").registerWorkflow(WordCount.class).registerWorkflow(CountWords.class).registerWorkflow(Report.class).start();
            List<String> texts = List.of("the quick brown fox", "jumps over", "the lazy dog");
            WorkflowRun<Integer> run = kadence.client().start(WordCount.class, texts, options("words", "children"));
            int total = run.result();
            String report = kadence.client().handle(run.workflowId() + "-report", String.class).result();
            return List.of(texts.size() + " children counted " + total + " words", "fire-and-forget child: " + report);
        }
    }

    // ------------------------------------------------------------------ continue-as-new

    public record Tally(int round, long sum) {}

    public static final class LongSum implements JavaWorkflow<Tally, Long> {
        @Override public Long run(WorkflowContext ctx, Tally tally) {
            Tally t = tally;
            for (int i = 0; i < 10; i++) t = new Tally(t.round() + 1, t.sum() + t.round() + 1);
            if (t.round() < 100) ctx.continueAsNew(t);
            return t.sum();
        }
    }

    public static List<String> runContinueAsNew(Path dataDir) {
        try (Kadence kadence = Kadence.embedded(dataDir)) {
            kadence.newWorker("loops").registerWorkflow(LongSum.class).start();
            WorkflowRun<Long> run = kadence.client().start(LongSum.class, new Tally(0, 0), options("sum", "loops"));
            long sum = run.result();
            // Every run of the chain keeps the workflow id; all but the last closed as CONTINUED_AS_NEW.
            List<WorkflowSummary> runs = kadence.client().list(null, "LongSum", 1000).stream()
                    .filter(r -> r.getWorkflowId().equals(run.workflowId())).toList();
            long continued = runs.stream().filter(r -> r.getStatus() == WorkflowStatus.CONTINUED_AS_NEW).count();
            return List.of("sum of 1..100 = " + sum + " over " + runs.size() + " runs of one workflow id, " + continued + " of them continued as new");
        }
    }

    // ------------------------------------------------------------------ determinism helpers

    /** A setting that changes while the workflow runs. */
    public static final AtomicInteger MAX_RETRIES = new AtomicInteger(3);

    public static final class Determinism implements JavaWorkflow<String, List<String>> {
        @Override public List<String> run(WorkflowContext ctx, String ignored) {
            String token = ctx.sideEffect(String.class, () -> UUID.randomUUID().toString().substring(0, 8));
            List<Integer> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                seen.add(ctx.mutableSideEffect("max-retries", Integer.class, MAX_RETRIES::get));
                MAX_RETRIES.incrementAndGet();
                ctx.sleep(Duration.ofMillis(10));
            }
            String shipping = ctx.getVersion("express-shipping", -1, 1) == 1 ? "express" : "standard";
            return List.of("token recorded once: " + token.length() + " chars", "max-retries read as " + seen, "shipping: " + shipping);
        }
    }

    public static List<String> runDeterminism(Path dataDir) {
        MAX_RETRIES.set(3);
        try (Kadence kadence = Kadence.embedded(dataDir)) {
            kadence.newWorker("determinism").registerWorkflow(Determinism.class).start();
            return kadence.client().start(Determinism.class, "", options("determinism", "determinism")).result();
        }
    }

    // ------------------------------------------------------------------ cancellation with cleanup

    public interface Rooms {
        String hold(String room);

        String release(String room);
    }

    public static final class HotelRooms implements Rooms {
        final List<String> log = new CopyOnWriteArrayList<>();

        @Override public String hold(String room) {
            log.add("held " + room);
            return "held " + room;
        }

        @Override public String release(String room) {
            log.add("released " + room);
            return "released " + room;
        }
    }

    public static final class Booking implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String room) {
            Rooms rooms = ctx.activities(Rooms.class, ActivityOptions.newBuilder().startToCloseTimeout(Duration.ofSeconds(10)).build());
            rooms.hold(room);
            try {
                ctx.sleep(Duration.ofDays(30));
                return "guest arrived in " + room;
            } catch (CanceledFailure e) {
                return ctx.runDetached(() -> "canceled: " + rooms.release(room));
            }
        }
    }

    public static List<String> runCancellation(Path dataDir) throws InterruptedException {
        try (Kadence kadence = Kadence.embedded(dataDir)) {
            HotelRooms rooms = new HotelRooms();
            kadence.newWorker("bookings").registerWorkflow(Booking.class).registerActivities(Rooms.class, rooms).start();
            WorkflowRun<String> booking = kadence.client().start(Booking.class, "room 12", options("booking", "bookings"));
            while (booking.describe().getPendingTimers().isEmpty()) Thread.sleep(10);
            booking.cancel("guest changed plans");
            return List.of(booking.result(), "activities: " + rooms.log);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        Path base = Path.of("kadence-data-java-features");
        runOrder(base.resolve("order")).forEach(System.out::println);
        runMessages(base.resolve("messages")).forEach(System.out::println);
        runChildren(base.resolve("children")).forEach(System.out::println);
        runContinueAsNew(base.resolve("continue")).forEach(System.out::println);
        runDeterminism(base.resolve("determinism")).forEach(System.out::println);
        runCancellation(base.resolve("cancellation")).forEach(System.out::println);
    }
}
