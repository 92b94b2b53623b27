using System.Diagnostics;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Runtime;
using Cavra.Gate.Tests.Gate;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Tests.Runtime;

/// <summary>Daemon tests start real processes: one at a time, so they neither starve each other nor the 2-core machine.</summary>
[CollectionDefinition("daemon", DisableParallelization = true)]
public sealed class DaemonCollection { }

/// <summary>Starts stand-in daemons for a test and proves, on dispose, that none of them (process or socket) is left.</summary>
public sealed class DaemonScope : IDisposable
{
    private readonly List<GoRuntimeDaemon> _daemons = new();
    private readonly List<int> _pids = new();
    public string Dir { get; } = Directory.CreateTempSubdirectory("cavra-daemon-test-").FullName;

    public GoRuntimeDaemonOptions Options(string behavior = "normal", string policy = "", string registry = "", string? runtime = null)
    {
        var o = new GoRuntimeDaemonOptions { RuntimePath = runtime ?? OneShotRuntimeClientTests.StandIn, PolicyPath = policy, RegistryPath = registry, WorkingDirectory = Dir, ReadyTimeout = TimeSpan.FromSeconds(20) };
        o.Environment["CAVRA_STANDIN_BEHAVIOR"] = behavior;
        return o;
    }

    public GoRuntimeDaemon Start(GoRuntimeDaemonOptions options) => Track(GoRuntimeDaemon.Start(options));

    public GoRuntimeDaemon Track(GoRuntimeDaemon daemon)
    {
        _daemons.Add(daemon);
        daemon.Narration += _ => { int pid = daemon.ProcessId; if (pid > 0) lock (_pids) _pids.Add(pid); };
        if (daemon.ProcessId > 0) lock (_pids) _pids.Add(daemon.ProcessId);
        return daemon;
    }

    public void Dispose()
    {
        var dirs = _daemons.Select(d => d.Directory).Where(d => d.Length > 0).ToList();
        var sockets = _daemons.Select(d => d.SocketPath).Where(s => s.Length > 0).ToHashSet();
        foreach (var d in _daemons) d.Stop();
        foreach (var dir in dirs) Assert.False(Directory.Exists(dir), $"socket directory {dir} survived");
        int[] pids;
        lock (_pids) pids = _pids.ToArray();
        AssertGone(pids);
        AssertGone(OwnerWatchers(sockets));
        Directory.Delete(Dir, true);
    }

    /// <summary>Linux: the owner watchers still running for these sockets.</summary>
    public static int[] OwnerWatchers(ICollection<string> sockets)
    {
        if (!OperatingSystem.IsLinux()) return Array.Empty<int>();
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string[] argv;
            try { argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0'); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException) { continue; }
            if (argv.Length > 5 && argv[3] == OwnerWatch.ProcessName && sockets.Contains(argv[5]) && IsAlive(pid)) found.Add(pid);
        }
        return found.ToArray();
    }

    public static void AssertGone(IEnumerable<int> pids)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (pids.Any(IsAlive) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        foreach (var pid in pids) Assert.False(IsAlive(pid), $"daemon process {pid} survived");
    }

    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (OperatingSystem.IsLinux())
        {
            if (!File.Exists(stat)) return false;
            try { var text = File.ReadAllText(stat); return text[(text.LastIndexOf(')') + 2)] != 'Z'; }
            catch (IOException) { return false; }
        }
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }
}

[Collection("daemon")]
public sealed class GoRuntimeDaemonTests : IDisposable
{
    private readonly DaemonScope _scope = new();
    public void Dispose() => _scope.Dispose();

    [Fact]
    public void Starts_ready_in_a_private_directory_and_stops_without_a_trace()
    {
        var daemon = _scope.Start(_scope.Options());
        Assert.True(daemon.Running);
        int pid = daemon.ProcessId;
        Assert.True(pid > 0);
        Assert.True(File.Exists(daemon.SocketPath));
        Assert.Equal(Path.Combine(daemon.Directory, GoRuntimeDaemon.SocketFileName), daemon.SocketPath);
        if (OperatingSystem.IsLinux()) Assert.Single(DaemonScope.OwnerWatchers(new[] { daemon.SocketPath }));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(daemon.Directory));
        string dir = daemon.Directory;
        daemon.Stop();
        Assert.False(daemon.Running);
        Assert.False(Directory.Exists(dir));
        DaemonScope.AssertGone(new[] { pid });
        daemon.Stop(); // idempotent
    }

    [Fact]
    public void A_daemon_that_never_listens_is_killed_after_the_ready_timeout()
    {
        var options = _scope.Options("sleep");
        options.ReadyTimeout = TimeSpan.FromSeconds(1);
        var sw = Stopwatch.StartNew();
        var ex = Assert.Throws<GoRuntimeDaemonException>(() => GoRuntimeDaemon.Start(options));
        Assert.Equal("daemon did not become ready within 1.0 seconds", ex.Message);
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 8);
    }

    [Fact]
    public void A_daemon_that_exits_at_start_says_why()
    {
        var bad = Path.Combine(_scope.Dir, "bad-policy.json");
        File.WriteAllText(bad, "{\"commands\": {\"block\": 1}}");
        var ex = Assert.Throws<GoRuntimeDaemonException>(() => GoRuntimeDaemon.Start(_scope.Options(policy: bad)));
        Assert.StartsWith("daemon exited with status 1: load policy", ex.Message);
        ex = Assert.Throws<GoRuntimeDaemonException>(() => GoRuntimeDaemon.Start(_scope.Options(runtime: Path.Combine(_scope.Dir, "nope"))));
        Assert.Equal("no such file or directory: " + Path.Combine(_scope.Dir, "nope"), ex.Message);
    }

    [Fact]
    public void A_changed_policy_restarts_the_daemon_before_the_next_request()
    {
        var policy = Path.Combine(_scope.Dir, "policy.json");
        File.WriteAllText(policy, "{\"metadata\":{\"id\":\"p1\"},\"commands\":{\"allow\":[\"custom scan*\"]}}");
        var daemon = _scope.Start(_scope.Options(policy: policy));
        var client = new DaemonRuntimeClient(daemon, new OneShotRuntimeClient(new InputFiles(_scope.Dir)));
        var config = Config(policy);
        var request = new ActionRequest { ActionType = "execute_command", Target = "custom scan --check" };
        Assert.Equal("commands.allow", Text(client.Evaluate(request, config, default), "rule_id"));

        File.WriteAllText(policy, "{\"metadata\":{\"id\":\"p2\"},\"commands\":{\"block\":[\"custom scan*\"]}}");
        File.SetLastWriteTimeUtc(policy, DateTime.UtcNow.AddSeconds(5));
        client.GateInputsRefreshed(config, new InputFiles(_scope.Dir));
        var answer = client.Evaluate(request, config, default);
        Assert.Equal("commands.block", Text(answer, "rule_id"));
        Assert.Equal("p2", Text(answer, "policy_pack"));
        Assert.Equal(1, daemon.Restarts);
    }

    [Fact]
    public void Stopping_every_daemon_at_process_exit_leaves_nothing()
    {
        var a = _scope.Start(_scope.Options());
        var b = _scope.Start(_scope.Options());
        var pids = new[] { a.ProcessId, b.ProcessId };
        var dirs = new[] { a.Directory, b.Directory };
        DaemonTracker.StopAll();
        DaemonScope.AssertGone(pids);
        Assert.All(dirs, d => Assert.False(Directory.Exists(d)));
        Assert.True(a.Stopped && b.Stopped);
    }

    internal static GateConfig Config(string policy = "", string registry = "", double timeout = 5.0, BackendMode mode = BackendMode.Shadow) =>
        GateConfig.Resolve(new GateParameters { Mode = mode, RuntimePath = OneShotRuntimeClientTests.StandIn, PolicyPath = policy, RegistryPath = registry, TimeoutSeconds = timeout }, _ => null);

    internal static string Text(GoRuntimeAnswer answer, string key)
    {
        Assert.True(answer.Succeeded, answer.FailureReason);
        return answer.Decision!.Get(key) is JsonString s ? s.Value : "";
    }
}

[Collection("daemon")]
public sealed class DaemonRuntimeClientTests : IDisposable
{
    private readonly DaemonScope _scope = new();
    public void Dispose() => _scope.Dispose();

    private static readonly ActionRequest Plan = new() { ActionType = "execute_command", Target = "terraform plan" };

    private (DaemonRuntimeClient Client, GoRuntimeDaemon Daemon) Client(string behavior = "normal", bool autoRestart = true, string registry = "")
    {
        var options = _scope.Options(behavior, registry: registry);
        options.AutoRestart = autoRestart;
        var daemon = _scope.Start(options);
        return (new DaemonRuntimeClient(daemon, OneShot()), daemon);
    }

    private OneShotRuntimeClient OneShot()
    {
        var oneShot = new OneShotRuntimeClient(new InputFiles(_scope.Dir));
        oneShot.ChildEnvironment["CAVRA_STANDIN_BEHAVIOR"] = "normal";
        return oneShot;
    }

    private static (GoRuntimeAnswer Answer, TimeSpan Took) Timed(Func<GoRuntimeAnswer> call)
    {
        var sw = Stopwatch.StartNew();
        var answer = call();
        return (answer, sw.Elapsed);
    }

    [Fact]
    public void Answers_over_the_socket_in_the_one_shot_decision_shape()
    {
        var (client, _) = Client();
        var answer = client.Evaluate(Plan, GoRuntimeDaemonTests.Config(), default);
        Assert.True(answer.Succeeded, answer.FailureReason);
        Assert.Equal("daemon", answer.Transport);
        Assert.Equal(new[] { "decision_id", "session_id", "agent_id", "actor", "decision", "reason", "action_type", "target", "requested_operation",
            "policy_pack", "policy_id", "rule_id", "severity", "evidence_refs", "timestamp", "correlation_id" }, answer.Decision!.Members.Select(m => m.Key));
        Assert.Equal("commands.allow", GoRuntimeDaemonTests.Text(answer, "rule_id"));
    }

    [Fact]
    public void Mcp_calls_go_one_shot_with_their_server_tool_and_capability()
    {
        var registry = Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "mcp_registry.json");
        var (client, _) = Client(registry: registry);
        string? routed = null;
        client.RoutedOneShot += (_, why) => routed = why;
        var request = new ActionRequest { ActionType = "mcp_tool_call", Server = "github-mcp", Tool = "create_pull_request", Capability = "repository" };
        var answer = client.Evaluate(request, GoRuntimeDaemonTests.Config(registry: registry), default);
        Assert.Equal("one-shot", answer.Transport);
        Assert.Equal("mcp.registry.allow", GoRuntimeDaemonTests.Text(answer, "rule_id")); // over the socket it would be mcp.registry.unknown
        Assert.StartsWith("mcp_tool_call needs server, tool and capability", routed);
    }

    [Theory]
    [InlineData("close-without-answer", "daemon closed the connection without answering")]
    [InlineData("garbage", "daemon reply is not valid JSON: ")]
    [InlineData("array", "daemon reply is not a JSON object")]
    [InlineData("invalid-utf8", "daemon reply is not valid UTF-8")]
    [InlineData("huge", "daemon reply exceeds 1 MiB")]
    public void A_daemon_that_does_not_answer_properly_is_a_runtime_failure(string behavior, string reason)
    {
        // Such a daemon never passes the readiness probe, so serve it on a socket of our own, with no owner.
        var (answer, took) = WithRawDaemon(behavior, socket => Timed(() => new DaemonRuntimeClient(new DaemonSocket(socket), OneShot()).Evaluate(Plan, GoRuntimeDaemonTests.Config(timeout: 2), default)));
        Assert.False(answer.Succeeded);
        Assert.StartsWith(reason, answer.FailureReason);
        Assert.True(took < TimeSpan.FromSeconds(2), $"took {took}");
    }

    [Fact]
    public void A_daemon_whose_probe_gets_no_answer_never_becomes_ready()
    {
        var options = _scope.Options("close-without-answer");
        options.ReadyTimeout = TimeSpan.FromSeconds(1);
        var daemon = _scope.Track(GoRuntimeDaemon.Create(options));
        Assert.False(daemon.TryAcquire(TimeSpan.FromSeconds(1), default, out _, out var failure));
        Assert.Equal("daemon could not start: daemon did not become ready within 1.0 seconds", failure);
        Assert.Equal(0, daemon.ProcessId);
    }

    [Fact]
    public void A_daemon_that_never_answers_times_out_within_the_timeout()
    {
        var (answer, took) = WithRawDaemon("never-answer", socket => Timed(() => new DaemonRuntimeClient(new DaemonSocket(socket), OneShot()).Evaluate(Plan, GoRuntimeDaemonTests.Config(timeout: 1), default)));
        Assert.Equal("daemon timed out after 1.0 seconds", answer.FailureReason);
        Assert.InRange(took.TotalSeconds, 0.9, 1.9);
    }

    [Fact]
    public void Cancellation_stops_a_request_that_waits_for_an_answer()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var (answer, took) = WithRawDaemon("never-answer", socket => Timed(() => new DaemonRuntimeClient(new DaemonSocket(socket), OneShot()).Evaluate(Plan, GoRuntimeDaemonTests.Config(timeout: 30), cts.Token)));
        Assert.Equal("stopped before the daemon answered", answer.FailureReason);
        Assert.True(took < TimeSpan.FromSeconds(3), $"took {took}");
    }

    [Fact]
    public void A_removed_socket_is_noticed_and_the_daemon_restarted()
    {
        var (client, daemon) = Client();
        // A restart must fit the request that needs it: a generous timeout, so a loaded machine can start the stand-in.
        var config = GoRuntimeDaemonTests.Config(timeout: 30);
        Assert.True(client.Evaluate(Plan, config, default).Succeeded);
        File.Delete(daemon.SocketPath);
        var (answer, took) = Timed(() => client.Evaluate(Plan, config, default));
        Assert.Equal($"daemon socket is missing: {daemon.SocketPath} (daemon socket was removed)", answer.FailureReason);
        Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}"); // noticed without waiting for the timeout
        var again = client.Evaluate(Plan, config, default);
        Assert.True(again.Succeeded, again.FailureReason);
        Assert.Equal(1, daemon.Restarts);
    }

    [Fact]
    public void A_killed_daemon_is_refused_then_reported_and_not_restarted_when_restarts_are_off()
    {
        var (client, daemon) = Client(autoRestart: false);
        var config = GoRuntimeDaemonTests.Config(timeout: 2);
        using (var p = Process.GetProcessById(daemon.ProcessId)) { p.Kill(); p.WaitForExit(5000); } // SIGKILL: the socket file stays behind
        Assert.True(File.Exists(daemon.SocketPath));
        var (answer, took) = Timed(() => client.Evaluate(Plan, config, default));
        Assert.False(answer.Succeeded);
        Assert.True(took < TimeSpan.FromSeconds(2));
        // Either the process was already reaped (the owner knows first) or the connection was refused, naming the exit.
        Assert.Matches(@"^(daemon is not running \(daemon exited with status 137\)|daemon refused the connection on \S+( \(daemon exited with status 137\))?)$", answer.FailureReason);
        Assert.Matches(@"^daemon is not running \((daemon exited with status 137|daemon refused connections)\)$", client.Evaluate(Plan, config, default).FailureReason);
        Assert.Equal(0, daemon.Restarts);
    }

    [Fact]
    public void A_daemon_killed_mid_stream_falls_back_then_restarts_until_the_restart_budget_is_spent()
    {
        // Each process answers the readiness probe and 4 requests, then SIGKILLs itself on the next one.
        var policy = Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "compiled_policy.json");
        var options = _scope.Options("crash-after-5", policy: policy);
        options.MaxRestarts = 2;
        var daemon = _scope.Start(options);
        var client = new DaemonRuntimeClient(daemon, OneShot());
        var set = new EvidenceSet();
        try
        {
            var p = set.Parameters(BackendMode.Shadow);
            p.RuntimePath = OneShotRuntimeClientTests.StandIn;
            p.PolicyPath = policy;
            p.TimeoutSeconds = 5;
            var pilot = new PilotEvaluator(set.Context(p), client);
            using var stream = new PilotStream(pilot, 4);
            var records = new List<EvaluationRecord>();
            for (int i = 0; i < 40; i++)
            {
                stream.Submit(new ActionRequest { ActionType = "execute_command", Target = "custom scan --check " + i });
                while (stream.Pending >= stream.Window) records.Add(stream.Take());
            }
            while (stream.Pending > 0) records.Add(stream.Take());

            Assert.Equal(Enumerable.Range(0, 40).Select(i => "custom scan --check " + i), records.Select(r => r.Request.Target));
            Assert.All(records, r => Assert.Equal("allow", r.Decision));
            Assert.All(records, r => Assert.True(r.GoDuration < TimeSpan.FromSeconds(5.5), $"{r.Request.Target} took {r.GoDuration}"));
            var fallbacks = records.Where(r => r.FallbackUsed).ToList();
            var answered = records.Where(r => r.ParityMatch == true).ToList();
            Assert.InRange(answered.Count, 3, 12); // three processes (first start + 2 restarts), up to 4 answers each
            // In flight when it died: no answer; afterwards: refused, or already known to have exited; once the budget is spent: fail fast.
            Assert.All(fallbacks, r => Assert.Matches(@"^go runtime failed: (daemon closed the connection without answering( \(daemon exited with status 137\))?"
                + @"|daemon refused the connection on \S+( \(daemon exited with status 137\))?"
                + @"|daemon is not running \((daemon exited with status 137|daemon refused connections)\); restart limit reached \(2 within 60.0 seconds\))$", r.FallbackReason));
            Assert.Contains(fallbacks, r => r.FallbackReason.Contains("restart limit reached (2 within 60.0 seconds)"));
            Assert.EndsWith("restart limit reached (2 within 60.0 seconds)", fallbacks.Last().FallbackReason);
            Assert.Equal(2, daemon.Restarts);
        }
        finally { set.Dispose(); }
    }

    [Fact]
    public void A_daemon_that_stops_answering_is_restarted_after_three_timeouts_in_a_row()
    {
        var (client, daemon) = Client("hang-after-2"); // the probe and one request, then silence
        var config = GoRuntimeDaemonTests.Config(timeout: 0.5);
        Assert.True(client.Evaluate(Plan, config, default).Succeeded);
        var reasons = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var (answer, took) = Timed(() => client.Evaluate(Plan, config, default));
            Assert.True(took < TimeSpan.FromSeconds(1.5), $"took {took}");
            reasons.Add(answer.FailureReason);
        }
        Assert.Equal(new[] { "daemon timed out after 0.5 seconds", "daemon timed out after 0.5 seconds",
            "daemon timed out after 0.5 seconds (daemon stopped answering: 3 timeouts in a row)" }, reasons);
        var config5 = GoRuntimeDaemonTests.Config(timeout: 20);
        var again = client.Evaluate(Plan, config5, default); // restarted: a fresh process answers again
        Assert.True(again.Succeeded, again.FailureReason);
        Assert.Equal(1, daemon.Restarts);
    }

    [Fact]
    public void A_stopped_daemon_fails_fast()
    {
        var (client, daemon) = Client();
        daemon.Stop();
        var (answer, took) = Timed(() => client.Evaluate(Plan, GoRuntimeDaemonTests.Config(), default));
        Assert.Equal("daemon was stopped", answer.FailureReason);
        Assert.True(took < TimeSpan.FromSeconds(1));
    }

    private static bool Listening(string socket)
    {
        if (!File.Exists(socket)) return false;
        using var s = UnixSocket.NewSocket();
        try { s.Connect(UnixSocket.CreateEndPoint(socket)); return true; }
        catch (System.Net.Sockets.SocketException) { return false; }
    }

    /// <summary>Runs the stand-in in --serve mode with a misbehaviour, outside any owner, for as long as <paramref name="use"/> takes.</summary>
    private T WithRawDaemon<T>(string behavior, Func<string, T> use)
    {
        string socket = Path.Combine(_scope.Dir, "raw.sock");
        var start = new ProcessStartInfo(OneShotRuntimeClientTests.StandIn) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--serve");
        start.ArgumentList.Add("--socket");
        start.ArgumentList.Add(socket);
        start.Environment["CAVRA_STANDIN_BEHAVIOR"] = behavior;
        using var process = Process.Start(start)!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!Listening(socket) && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.True(Listening(socket), "the raw daemon did not listen");
            return use(socket);
        }
        finally
        {
            process.Kill(true);
            process.WaitForExit(5000);
            DaemonScope.AssertGone(new[] { process.Id });
            File.Delete(socket);
        }
    }
}
