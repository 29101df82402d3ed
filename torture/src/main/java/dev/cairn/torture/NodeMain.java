package dev.cairn.torture;

import dev.cairn.core.CairnException;
import dev.cairn.core.InFlightMode;
import dev.cairn.core.storage.FaultInjectingFs;
import dev.cairn.core.storage.NioStorageFs;
import dev.cairn.kafka.Job;
import dev.cairn.kafka.RunningJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * One OS process of a torture run: hosts some nodes of a job (and maybe its coordinator). Its
 * checkpoint storage fails every write while the fault-flag file exists. Prints
 * {@code torture-node started}; exits 0 when the job finished, 1 when it failed, 2 when this
 * process was replaced (fenced). A crash point ({@code -Dcairn.crash.at=...}) halts it with 137.
 */
@Command(name = "torture-node", mixinStandardHelpOptions = true)
public final class NodeMain implements Callable<Integer> {
    @Option(names = "--workload", required = true) String workload;
    @Option(names = "--job-id", required = true) String jobId;
    @Option(names = "--bootstrap", required = true) String bootstrap;
    @Option(names = "--prefix", required = true) String prefix;
    @Option(names = "--checkpoints", required = true) Path checkpoints;
    @Option(names = "--rocksdb", required = true) Path rocksdb;
    @Option(names = "--input", required = true) String input;
    @Option(names = "--output") String output;
    @Option(names = "--nodes", split = ",") List<String> nodes = List.of();
    @Option(names = "--coordinator") boolean coordinator;
    @Option(names = "--fault-flag", required = true) Path faultFlag;
    @Option(names = "--mode") InFlightMode mode = InFlightMode.REFERENCE;
    @Option(names = "--heartbeat-ms") long heartbeatMs = 300;
    @Option(names = "--timeout-ms") long timeoutMs = 3_000;

    public static void main(String[] args) {
        int code = new CommandLine(new NodeMain()).execute(args);
        System.out.flush();
        Runtime.getRuntime().halt(code);
    }

    @Override
    public Integer call() throws Exception {
        FaultInjectingFs fs = new FaultInjectingFs(new NioStorageFs());
        fs.failWhen(op -> op.isWrite() && Files.exists(faultFlag));
        TortureJobs.Common c = new TortureJobs.Common(bootstrap, prefix, checkpoints, rocksdb, mode,
                Duration.ofMillis(heartbeatMs), Duration.ofMillis(timeoutMs), fs);
        Job job = workload.equals("bank") ? TortureJobs.bank(jobId, input, c) : TortureJobs.wordcount(jobId, input, output, c);
        RunningJob running = job.start(Job.Deployment.of(Set.copyOf(nodes), coordinator));
        System.out.println("torture-node started");
        System.out.flush();
        while (!running.awaitTermination(Duration.ofMinutes(1))) {
            // runs until the job finishes, fails, or this process is killed
        }
        int code = running.failure().map(e -> e.reason() == CairnException.Reason.FENCED ? 2 : 1).orElse(0);
        running.failure().ifPresent(e -> System.out.println("torture-node failure: " + e.getMessage()));
        System.out.println("torture-node exit " + code);
        running.close();
        return code;
    }
}
