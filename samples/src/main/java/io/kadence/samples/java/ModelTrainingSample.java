package io.kadence.samples.java;

import io.kadence.activity.ActivityContext;
import io.kadence.java.ActivityOptions;
import io.kadence.java.JavaWorkflow;
import io.kadence.java.Kadence;
import io.kadence.java.SessionOptions;
import io.kadence.java.WorkerOptions;
import io.kadence.java.WorkflowContext;
import io.kadence.java.WorkflowOptions;
import io.kadence.java.WorkflowRun;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Model training with a GPU limit, from Java: five models train in sessions that each ask for one
 * GPU, on {@code gpu-box} (two GPUs) and {@code cpu-box} (none). All five run on {@code gpu-box},
 * never more than two at once.
 *
 *     mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.java.ModelTrainingSample
 */
public final class ModelTrainingSample {
    private ModelTrainingSample() {}

    public record TrainingRequest(String model, String dataset, int epochs) {}

    public record TrainingResult(String model, String host, String weights) {}

    public interface TrainingActivities {
        String fetch(String dataset);

        String fit(String model, String data, int epochs);

        String publish(String weights);
    }

    public static final class TrainModel implements JavaWorkflow<TrainingRequest, TrainingResult> {
        @Override public TrainingResult run(WorkflowContext ctx, TrainingRequest req) {
            TrainingActivities training = ctx.activities(TrainingActivities.class, ActivityOptions.newBuilder()
                    .startToCloseTimeout(Duration.ofHours(1)).heartbeatTimeout(Duration.ofSeconds(30)).build());
            SessionOptions gpu = SessionOptions.newBuilder()
                    .creationTimeout(Duration.ofMinutes(10)).executionTimeout(Duration.ofHours(2)).resource("gpu", 1).build();
            return ctx.session(gpu, c -> {
                String data = training.fetch(req.dataset());
                String weights = training.fit(req.model(), data, req.epochs());
                return new TrainingResult(req.model(), c.sessionInfo().getHostName(), training.publish(weights));
            });
        }
    }

    /** Trainings running at once, per host, at most. */
    public static final Map<String, Integer> PEAK = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> RUNNING = new ConcurrentHashMap<>();

    /** A simulated GPU host: each epoch takes {@code epochMillis}. */
    public static final class SimulatedTraining implements TrainingActivities {
        private final String host;
        private final long epochMillis;

        public SimulatedTraining(String host, long epochMillis) {
            this.host = host;
            this.epochMillis = epochMillis;
        }

        @Override public String fetch(String dataset) {
            return "/scratch/" + host + "/" + dataset;
        }

        @Override public String fit(String model, String data, int epochs) {
            int now = RUNNING.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
            PEAK.merge(host, now, Math::max);
            try {
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    Thread.sleep(epochMillis);
                    ActivityContext.current().heartbeat(epoch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("training of " + model + " was interrupted", e);
            } finally {
                RUNNING.get(host).decrementAndGet();
            }
            return data + "/" + model + ".weights";
        }

        @Override public String publish(String weights) {
            return "registry://models/" + weights.substring(weights.lastIndexOf('/') + 1);
        }
    }

    /** Runs the sample in {@code dataDir}; returns one result per model. */
    public static List<TrainingResult> run(Path dataDir, long epochMillis) {
        try (Kadence kadence = Kadence.embedded(dataDir)) {
            kadence.newWorker("training-java").registerWorkflow(TrainModel.class).start();
            kadence.newWorker("training-java", WorkerOptions.newBuilder().hostId("gpu-box").maxConcurrentSessions(8).sessionResource("gpu", 2).build())
                    .registerActivities(TrainingActivities.class, new SimulatedTraining("gpu-box", epochMillis)).start();
            kadence.newWorker("training-java", WorkerOptions.newBuilder().hostId("cpu-box").maxConcurrentSessions(8).build())
                    .registerActivities(TrainingActivities.class, new SimulatedTraining("cpu-box", epochMillis)).start();
            String batch = UUID.randomUUID().toString().substring(0, 8);
            List<WorkflowRun<TrainingResult>> runs = new ArrayList<>();
            for (String model : List.of("resnet", "bert", "gpt-mini", "unet", "whisper-tiny")) {
                runs.add(kadence.client().start(TrainModel.class, new TrainingRequest(model, model + "-data", 4),
                        WorkflowOptions.newBuilder().id("train-java-" + batch + "-" + model).taskQueue("training-java").build()));
            }
            List<TrainingResult> results = new ArrayList<>();
            for (WorkflowRun<TrainingResult> r : runs) results.add(r.result());
            return results;
        }
    }

    public static void main(String[] args) {
        for (TrainingResult r : run(Path.of("kadence-data-training-java"), 50)) {
            System.out.println(r.model() + ": trained on " + r.host() + ", published to " + r.weights());
        }
        System.out.println("most trainings at once: " + PEAK);
    }
}
