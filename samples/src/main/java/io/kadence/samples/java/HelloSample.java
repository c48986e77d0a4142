package io.kadence.samples.java;

import io.kadence.java.ActivityOptions;
import io.kadence.java.JavaWorkflow;
import io.kadence.java.Kadence;
import io.kadence.java.WorkflowContext;
import io.kadence.java.WorkflowOptions;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * Hello from Java: a workflow written in Java calls one activity.
 *
 *     mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.java.HelloSample
 */
public final class HelloSample {
    private HelloSample() {}

    /** An activity interface: plain blocking Java. */
    public interface Greetings {
        String greet(String name);
    }

    public static final class EnglishGreetings implements Greetings {
        @Override public String greet(String name) {
            return "Hello, " + name + "!";
        }
    }

    public static final class HelloWorkflow implements JavaWorkflow<String, String> {
        @Override public String run(WorkflowContext ctx, String name) {
            Greetings greetings = ctx.activities(Greetings.class,
                    ActivityOptions.newBuilder().startToCloseTimeout(Duration.ofSeconds(10)).build());
            return greetings.greet(name);
        }
    }

    /** Runs the sample on the embedded store in {@code dataDir}; returns the workflow's result. */
    public static String run(Path dataDir, String name) {
        try (Kadence kadence = Kadence.embedded(dataDir)) {
            kadence.newWorker("hello")
                    .registerWorkflow(HelloWorkflow.class)
                    .registerActivities(Greetings.class, new EnglishGreetings())
                    .start();
            return kadence.client()
                    .start(HelloWorkflow.class, name, WorkflowOptions.newBuilder().id("hello-" + UUID.randomUUID()).taskQueue("hello").build())
                    .result();
        }
    }

    public static void main(String[] args) {
        System.out.println(run(Path.of("kadence-data-hello"), args.length > 0 ? args[0] : "Kadence"));
    }
}
