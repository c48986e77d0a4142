package io.kadence.java;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pins the Java surface: every public class of {@code io.kadence.java} (and its sub-packages but
 * {@code internal}), and every Kadence type reachable from their public signatures — return and
 * parameter types, public fields, constructors and methods of those types, supertypes, transitively —
 * is free of Kotlin types ({@code Function1}, {@code Continuation}, {@code kotlin.time.Duration},
 * {@code IntRange}, {@code Unit}, coroutine types) and of members whose names Kotlin mangled (a
 * {@code -} in the name: javac cannot call them, so Java has no way to reach what they give).
 */
class JavaSignatureScanTest {
    /**
     * The Kotlin API, which the facade hands out only through its explicit bridges for code that mixes both
     * APIs ({@code Kadence.kotlin}, {@code Kadence.wrap}, {@code WorkflowRun.kotlin}, the
     * {@code WorkflowDefinition} overloads that take a workflow defined in Kotlin) and through Kotlin
     * {@code internal} constructors javac happens to see. The scan does not walk into it.
     */
    private static final Set<String> KOTLIN_API = Set.of(
            "io.kadence.Kadence", "io.kadence.client.KadenceClient", "io.kadence.client.WorkflowHandle",
            "io.kadence.client.ScheduleClient", "io.kadence.client.ScheduleHandle", "io.kadence.client.ScheduleOptions",
            "io.kadence.client.WorkflowStartOptions", "io.kadence.worker.Worker", "io.kadence.worker.WorkerOptions",
            "io.kadence.worker.SessionWorkerOptions", "io.kadence.workflow.WorkflowScope", "io.kadence.workflow.WorkflowDefinition",
            "io.kadence.workflow.ChildWorkflowHandle", "io.kadence.activity.ActivityOptions", "io.kadence.activity.RetryPolicy",
            "io.kadence.activity.LocalActivityOptions", "io.kadence.workflow.ChildWorkflowOptions", "io.kadence.workflow.SessionOptions");

    /**
     * Kotlin plumbing javac sees, which no Java code needs and the language offers no way to hide: an enum's
     * {@code getEntries()}, a data class's {@code componentN()} and {@code copy(…)}; two Kotlin constructors
     * whose Java form is a factory ({@code CalendarSpec.newBuilder()}, {@code ApplicationFailure.newFailure…});
     * and the supertypes of {@code ActivityContext} and its {@code Key} (a coroutine context element, which is how suspend activities
     * find it; Java calls {@code ActivityContext.current()}).
     */
    private static boolean tolerated(Class<?> owner, String member) {
        if (owner.isEnum() && member.equals("getEntries")) return true;
        if (member.matches("(component[0-9]+|copy)(-.*)?")) return true;
        String n = owner.getName();
        if (member.equals("<init>") && (n.equals("io.kadence.schedule.CalendarSpec") || n.equals("io.kadence.failure.ApplicationFailure"))) return true;
        return (member.equals("extends") || member.equals("implements")) && n.startsWith("io.kadence.activity.ActivityContext");
    }

    private static boolean isKotlinType(Class<?> c) {
        String n = c.getName();
        return n.startsWith("kotlin.") || n.startsWith("kotlinx.coroutines.");
    }

    private static boolean isKadenceType(Class<?> c) {
        String n = c.getName();
        int nested = n.indexOf('$');
        String outer = nested < 0 ? n : n.substring(0, nested);
        return n.startsWith("io.kadence.") && !n.startsWith("io.kadence.internal.") && !n.startsWith("io.kadence.java.internal.")
                && !KOTLIN_API.contains(outer);
    }

    @Test
    void noKotlinTypeAppearsInAJavaVisibleSignature() {
        Set<Class<?>> roots = publicClassesOfTheJavaPackage();
        // What Java code meets without a signature naming it: the failures it catches, the activity context.
        roots.addAll(publicClassesOf(io.kadence.failure.ApplicationFailure.class, "io/kadence/failure/"));
        roots.add(io.kadence.activity.ActivityContext.class);
        Deque<Class<?>> queue = new ArrayDeque<>(roots);
        Set<Class<?>> seen = new LinkedHashSet<>(roots);
        Set<String> offending = new TreeSet<>();
        while (!queue.isEmpty()) {
            Class<?> c = queue.poll();
            Set<Class<?>> found = new LinkedHashSet<>();
            String owner = c.getName();
            if (c.getGenericSuperclass() != null && !tolerated(c, "extends")) check(owner + " extends", c.getGenericSuperclass(), found, offending);
            if (!tolerated(c, "implements")) for (Type t : c.getGenericInterfaces()) check(owner + " implements", t, found, offending);
            for (Constructor<?> k : c.getConstructors()) {
                if (k.isSynthetic() || tolerated(c, "<init>")) continue;
                checkExecutable(c, owner + ".<init>", k, found, offending);
            }
            for (Method m : c.getMethods()) {
                if (m.isSynthetic() || m.isBridge() || m.getDeclaringClass() == Object.class) continue;
                if (!isKadenceType(m.getDeclaringClass())) continue;
                // Kotlin `internal` members: javac sees them under a name Kotlin mangled with `$` to keep callers away.
                if (tolerated(c, m.getName()) || m.getName().contains("$")) continue;
                if (m.getName().contains("-")) offending.add(owner + "." + m.getName() + ": a mangled name (Kotlin-only member)");
                checkExecutable(c, owner + "." + m.getName(), m, found, offending);
                check(owner + "." + m.getName() + " returns", m.getGenericReturnType(), found, offending);
            }
            for (Field f : c.getFields()) {
                if (f.isSynthetic() || f.getName().contains("$")) continue;
                check(owner + "." + f.getName() + " field", f.getGenericType(), found, offending);
            }
            for (Class<?> nested : c.getClasses()) if (isKadenceType(nested)) found.add(nested);
            for (Class<?> r : found) if (isKadenceType(r) && seen.add(r)) queue.add(r);
        }
        assertTrue(roots.size() >= 40, "the scan found only " + roots.size() + " public classes in io.kadence.java: " + roots);
        // The reachable types include those the client hands out, from core and runtime-jvm.
        for (String reached : List.of("io.kadence.client.WorkflowDescription", "io.kadence.client.ScheduleDescription",
                "io.kadence.client.SessionHostDescription", "io.kadence.client.HostedSession", "io.kadence.schedule.ScheduleSpec",
                "io.kadence.history.HistoryEvent", "io.kadence.workflow.WorkflowInfo", "io.kadence.schedule.CalendarSpec",
                "io.kadence.failure.ApplicationFailure", "io.kadence.activity.ActivityInfo")) {
            assertTrue(seen.stream().anyMatch(c -> c.getName().equals(reached)), "the scan never reached " + reached);
        }
        assertEquals(Set.of(), offending);
    }

    private static void checkExecutable(Class<?> c, String where, Executable e, Set<Class<?>> found, Set<String> offending) {
        Type[] params = e.getGenericParameterTypes();
        // Inner-class and enum constructors may report fewer generic types than raw ones; fall back to raw.
        if (params.length != e.getParameterCount()) params = e.getParameterTypes();
        for (int i = 0; i < params.length; i++) check(where + " parameter " + i, params[i], found, offending);
    }

    /** Records every class [type] mentions; flags the Kotlin ones. */
    private static void check(String where, Type type, Set<Class<?>> found, Set<String> offending) {
        if (type instanceof Class<?> c) {
            while (c.isArray()) c = c.getComponentType();
            if (isKotlinType(c)) offending.add(where + ": " + c.getName());
            else found.add(c);
        } else if (type instanceof ParameterizedType p) {
            check(where, p.getRawType(), found, offending);
            for (Type a : p.getActualTypeArguments()) check(where, a, found, offending);
        } else if (type instanceof GenericArrayType g) {
            check(where, g.getGenericComponentType(), found, offending);
        } else if (type instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) check(where, b, found, offending);
            for (Type b : w.getLowerBounds()) check(where, b, found, offending);
        } else if (type instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) if (!(b instanceof TypeVariable<?>)) check(where, b, found, offending);
        }
    }

    /** The public (top-level or nested in public) classes of io.kadence.java and its sub-packages, but internal. */
    private static Set<Class<?>> publicClassesOfTheJavaPackage() {
        return publicClassesOf(Kadence.class, "io/kadence/java/");
    }

    /** The public classes under [dir] of the classes directory or jar that holds [anchor]. */
    private static Set<Class<?>> publicClassesOf(Class<?> anchor, String dir) {
        Set<Class<?>> out = new LinkedHashSet<>();
        for (String name : classNamesUnder(anchor, dir)) {
            if (name.startsWith("io.kadence.java.internal.")) continue;
            Class<?> c;
            try {
                c = Class.forName(name, false, anchor.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass() || !publicAllTheWayOut(c)) continue;
            out.add(c);
        }
        return out;
    }

    private static boolean publicAllTheWayOut(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) if (!Modifier.isPublic(k.getModifiers())) return false;
        return true;
    }

    private static Set<String> classNamesUnder(Class<?> anchor, String dir) {
        try {
            Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(location)) return classNames(location, location.resolve(dir));
            try (FileSystem jar = FileSystems.newFileSystem(location, Map.of())) {
                Path root = jar.getPath("/");
                return classNames(root, root.resolve(dir));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> classNames(Path root, Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(p -> p.toString().endsWith(".class")).forEach(p -> {
                String rel = root.relativize(p).toString().replace('\\', '/');
                names.add(rel.substring(0, rel.length() - ".class".length()).replace('/', '.'));
            });
        }
        return names;
    }
}
