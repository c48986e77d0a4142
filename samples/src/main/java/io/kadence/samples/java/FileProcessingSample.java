package io.kadence.samples.java;

import io.kadence.failure.ApplicationFailure;
import io.kadence.java.ActivityOptions;
import io.kadence.java.JavaWorkflow;
import io.kadence.java.Kadence;
import io.kadence.java.RetryPolicy;
import io.kadence.java.SessionOptions;
import io.kadence.java.WorkerOptions;
import io.kadence.java.WorkflowContext;
import io.kadence.java.WorkflowOptions;
import io.kadence.java.WorkflowRun;
import io.kadence.samples.files.FileServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * File processing in sessions, from Java: each file is downloaded, processed and uploaded on one of
 * two hosts ({@code host-a}, {@code host-b}), through a local HTTP server the sample starts. The
 * activities use the JDK's HTTP client.
 *
 *     mvn -q -pl samples -am compile exec:java -Dsample=io.kadence.samples.java.FileProcessingSample
 */
public final class FileProcessingSample {
    private FileProcessingSample() {}

    public record FileJob(String source, String target) {}

    public record Processed(String path, int words) {}

    public record FileReport(String name, String host, int words, long uploadedBytes) {}

    /** Paths are local to the host that ran the step; that is why the steps share a session. */
    public interface FileActivities {
        String download(String url);

        Processed process(String path);

        long upload(String path, String url);
    }

    public static final class FileProcessingWorkflow implements JavaWorkflow<FileJob, FileReport> {
        @Override public FileReport run(WorkflowContext ctx, FileJob job) {
            FileActivities files = ctx.activities(FileActivities.class, ActivityOptions.newBuilder()
                    .startToCloseTimeout(Duration.ofMinutes(1))
                    .retryPolicy(RetryPolicy.newBuilder().initialInterval(Duration.ofMillis(200)).maximumAttempts(5).build())
                    .build());
            SessionOptions session = SessionOptions.newBuilder()
                    .creationTimeout(Duration.ofMinutes(1)).executionTimeout(Duration.ofMinutes(10)).build();
            return ctx.session(session, c -> {
                String local = files.download(job.source());
                Processed processed = files.process(local);
                long sent = files.upload(processed.path(), job.target());
                String name = job.source().substring(job.source().lastIndexOf('/') + 1);
                return new FileReport(name, c.sessionInfo().getHostName(), processed.words(), sent);
            });
        }
    }

    /** The activities of one host, keeping its files under {@code workDir}. */
    public static final class HttpFileActivities implements FileActivities {
        private final HttpClient http = HttpClient.newHttpClient();
        private final Path workDir;

        public HttpFileActivities(Path workDir) throws IOException {
            this.workDir = workDir;
            Files.createDirectories(workDir);
        }

        @Override public String download(String url) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) throw ApplicationFailure.newFailure("GET " + url + " answered " + response.statusCode(), "DownloadFailed");
                Path file = Files.createTempFile(workDir, url.substring(url.lastIndexOf('/') + 1) + "-", ".download");
                Files.writeString(file, response.body());
                return file.toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        @Override public Processed process(String path) {
            try {
                String text = Files.readString(local(path));
                int words = text.isBlank() ? 0 : text.trim().split("\\s+").length;
                Path output = Path.of(path.replace(".download", ".processed"));
                Files.writeString(output, "words=" + words + "\n" + text.toUpperCase());
                return new Processed(output.toString(), words);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override public long upload(String path, String url) {
            try {
                byte[] body = Files.readAllBytes(local(path));
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() / 100 != 2) throw ApplicationFailure.newFailure("PUT " + url + " answered " + response.statusCode(), "UploadFailed");
                return body.length;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        private Path local(String path) {
            Path file = Path.of(path);
            if (!file.startsWith(workDir) || !Files.exists(file)) {
                throw ApplicationFailure.newNonRetryableFailure(path + " is not on this host (its files are under " + workDir + ")", "NotOnThisHost");
            }
            return file;
        }
    }

    /** Runs the sample in {@code dataDir}; fills {@code received} with what the server got; returns one report per file. */
    public static List<FileReport> run(Path dataDir, Map<String, String> received) throws IOException {
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("alpha.txt", "the quick brown fox\njumps over the lazy dog");
        texts.put("beta.txt", "durable workflows survive a kill -9");
        try (FileServer server = new FileServer(texts); Kadence kadence = Kadence.embedded(dataDir)) {
            kadence.newWorker("files-java").registerWorkflow(FileProcessingWorkflow.class).start();
            for (String host : List.of("host-a", "host-b")) {
                kadence.newWorker("files-java", WorkerOptions.newBuilder().hostId(host).maxConcurrentSessions(2).build())
                        .registerActivities(FileActivities.class, new HttpFileActivities(dataDir.resolve("hosts").resolve(host).toAbsolutePath()))
                        .start();
            }
            String batch = UUID.randomUUID().toString().substring(0, 8);
            List<WorkflowRun<FileReport>> runs = new ArrayList<>();
            for (String name : texts.keySet()) {
                FileJob job = new FileJob(server.getBaseUrl() + "/files/" + name, server.getBaseUrl() + "/uploads/" + name);
                runs.add(kadence.client().start(FileProcessingWorkflow.class, job,
                        WorkflowOptions.newBuilder().id("file-java-" + batch + "-" + name).taskQueue("files-java").build()));
            }
            List<FileReport> reports = new ArrayList<>();
            for (WorkflowRun<FileReport> r : runs) reports.add(r.result());
            received.putAll(server.getUploads());
            return reports;
        }
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> received = new LinkedHashMap<>();
        for (FileReport r : run(Path.of("kadence-data-files-java"), received)) {
            System.out.println(r.name() + ": " + r.words() + " words, processed on " + r.host() + ", " + r.uploadedBytes() + " bytes uploaded");
        }
        received.forEach((name, body) -> System.out.println("server received " + name + ": " + body.replace('\n', ' ')));
    }
}
