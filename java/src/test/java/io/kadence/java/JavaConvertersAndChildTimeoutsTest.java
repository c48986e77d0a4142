package io.kadence.java;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kadence.converter.DataConverter;
import io.kadence.failure.ChildWorkflowFailure;
import io.kadence.history.WorkflowCompleted;
import io.kadence.history.WorkflowStarted;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Data converters chosen from Java (records, POJOs, a Jackson mapper of one's own, a converter of one's own), and child workflow timeouts. */
class JavaConvertersAndChildTimeoutsTest {
    public record Parcel(String id, String note) {}

    /** A plain Java bean: no-argument constructor, getters and setters. */
    public static final class Box {
        private String label;
        private int count;

        public Box() {}

        public Box(String label, int count) {
            this.label = label;
            this.count = count;
        }

        public String getLabel() { return label; }

        public void setLabel(String label) { this.label = label; }

        public int getCount() { return count; }

        public void setCount(int count) { this.count = count; }
    }

    public static final class Stamp implements JavaWorkflow<Parcel, Parcel> {
        @Override public Parcel run(WorkflowContext ctx, Parcel p) {
            return new Parcel(p.id() + "!", p.note());
        }
    }

    public static final class Refill implements JavaWorkflow<Box, Box> {
        @Override public Box run(WorkflowContext ctx, Box b) {
            return new Box(b.getLabel() + " (refilled)", b.getCount() * 2);
        }
    }

    private static String recorded(WorkflowRun<?> run, Class<?> kind) {
        return run.history().stream().map(e -> e.getAttributes()).filter(kind::isInstance).findFirst()
                .map(a -> a instanceof WorkflowStarted s ? s.getInput() : ((WorkflowCompleted) a).getResult()).orElseThrow();
    }

    @Test
    void recordsAndPojosTravelAsJacksonJsonByDefault() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("conv", JavaStores.worker().build()).registerWorkflow(Stamp.class).registerWorkflow(Refill.class).start();
            WorkflowRun<Parcel> parcel = kadence.client().start(Stamp.class, new Parcel("p-1", null), WorkflowOptions.newBuilder().id("parcel").taskQueue("conv").build());
            assertEquals(new Parcel("p-1!", null), parcel.result(Duration.ofSeconds(30)));
            assertEquals("{\"id\":\"p-1\",\"note\":null}", recorded(parcel, WorkflowStarted.class));

            WorkflowRun<Box> box = kadence.client().start(Refill.class, new Box("tea", 3), WorkflowOptions.newBuilder().id("box").taskQueue("conv").build());
            Box refilled = box.result(Duration.ofSeconds(30));
            assertEquals("tea (refilled)", refilled.getLabel());
            assertEquals(6, refilled.getCount());
            assertEquals("{\"label\":\"tea (refilled)\",\"count\":6}", recorded(box, WorkflowCompleted.class));
        }
    }

    @Test
    void aJacksonMapperOfOnesOwnConfiguresHowRecordsAreEncoded() {
        ObjectMapper mapper = new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
        try (Kadence kadence = JavaStores.open(new JavaDataConverter(mapper))) {
            kadence.newWorker("conv", JavaStores.worker().build()).registerWorkflow(Stamp.class).start();
            WorkflowRun<Parcel> run = kadence.client().start(Stamp.class, new Parcel("p-2", null), WorkflowOptions.newBuilder().id("lean").taskQueue("conv").build());
            assertEquals(new Parcel("p-2!", null), run.result(Duration.ofSeconds(30)));
            assertEquals("{\"id\":\"p-2\"}", recorded(run, WorkflowStarted.class));
            assertEquals("{\"id\":\"p-2!\"}", recorded(run, WorkflowCompleted.class));
        }
    }

    /** A converter of one's own: here it wraps the default one and logs the types it encodes. */
    static final class LoggingConverter implements DataConverter {
        final DataConverter inner = new JavaDataConverter();
        final List<String> encoded = new CopyOnWriteArrayList<>();

        @Override public String encode(Object value, Type type) {
            encoded.add(type.getTypeName());
            return inner.encode(value, type);
        }

        @Override public Object decode(String json, Type type) {
            return inner.decode(json, type);
        }
    }

    @Test
    void anyDataConverterCanBeConfigured() {
        LoggingConverter converter = new LoggingConverter();
        try (Kadence kadence = JavaStores.open(converter)) {
            kadence.newWorker("conv", JavaStores.worker().build()).registerWorkflow(Stamp.class).start();
            WorkflowRun<Parcel> run = kadence.client().start(Stamp.class, new Parcel("p-3", "fragile"), WorkflowOptions.newBuilder().id("logged").taskQueue("conv").build());
            assertEquals(new Parcel("p-3!", "fragile"), run.result(Duration.ofSeconds(30)));
            // The input at the client, the result in the workflow: both through this converter.
            assertTrue(converter.encoded.stream().filter(t -> t.equals(Parcel.class.getTypeName())).count() >= 2, converter.encoded.toString());
        }
    }

    public static final class Sleeper implements JavaWorkflow<Integer, String> {
        @Override public String run(WorkflowContext ctx, Integer days) {
            if (days > 0) ctx.sleep(Duration.ofDays(days));
            return "slept " + days + " days";
        }
    }

    /** Runs a child that sleeps [days] under a one-day run timeout (or execution timeout when days is negative). */
    public static final class Impatient implements JavaWorkflow<Integer, String> {
        @Override public String run(WorkflowContext ctx, Integer days) {
            Instant start = ctx.now();
            ChildWorkflowOptions.Builder options = ChildWorkflowOptions.newBuilder().workflowId(ctx.info().getWorkflowId() + "-child");
            if (days > 0) options.runTimeout(Duration.ofDays(1));
            else options.executionTimeout(Duration.ofDays(1));
            try {
                return ctx.executeChild(Sleeper.class, Math.abs(days), options.build());
            } catch (ChildWorkflowFailure e) {
                return e.getWorkflowType() + " " + e.getStatus() + " (" + e.getCause().getClass().getSimpleName() + ") after "
                        + Duration.between(start, ctx.now()).toHours() + " h";
            }
        }
    }

    @Test
    void aChildPastItsRunOrExecutionTimeoutFailsItsParentsCallAsTimedOut() {
        try (Kadence kadence = JavaStores.open()) {
            kadence.newWorker("kids", JavaStores.worker().build()).registerWorkflow(Impatient.class).registerWorkflow(Sleeper.class).start();
            assertEquals("Sleeper TIMED_OUT (TimeoutFailure) after 24 h", kadence.client().start(Impatient.class, 10,
                    WorkflowOptions.newBuilder().id("run-timeout").taskQueue("kids").build()).result(Duration.ofSeconds(30)));
            assertEquals("Sleeper TIMED_OUT (TimeoutFailure) after 24 h", kadence.client().start(Impatient.class, -10,
                    WorkflowOptions.newBuilder().id("execution-timeout").taskQueue("kids").build()).result(Duration.ofSeconds(30)));
            // Within its timeout a child completes as usual.
            assertEquals("slept 0 days", kadence.client().start(Impatient.class, 0,
                    WorkflowOptions.newBuilder().id("in-time").taskQueue("kids").build()).result(Duration.ofSeconds(30)));
        }
    }
}
