package io.kadence.java;

/** The activities the Java session tests pin to a host: each result names the host that ran it. */
public interface SessionFiles {
    String download(String name);

    String process(String local);

    /** The implementation a host registers, tagging each result with {@code host}. */
    final class On implements SessionFiles {
        private final String host;

        public On(String host) { this.host = host; }

        @Override public String download(String name) { return name + "@" + host; }

        @Override public String process(String local) { return "processed(" + local + ")@" + host; }
    }
}
