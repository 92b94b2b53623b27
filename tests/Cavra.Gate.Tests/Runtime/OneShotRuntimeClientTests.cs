using System.Diagnostics;
using System.Text;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Runtime;
using Cavra.Gate.Tests.Gate;

namespace Cavra.Gate.Tests.Runtime;

public sealed class OneShotRuntimeClientTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-runtime-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    public static string StandIn
    {
        get
        {
            string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
            var path = Path.Combine(EvidenceSet.RepoRoot, "tests", "Cavra.StandInRuntime", "bin", config, "net10.0", "Cavra.StandInRuntime");
            if (OperatingSystem.IsWindows()) path += ".exe";
            if (!File.Exists(path)) throw new InvalidOperationException("The stand-in runtime is not built: " + path);
            return path;
        }
    }

    private static readonly ActionRequest Plan = new() { ActionType = "execute_command", Target = "terraform plan" };

    private (Cavra.Gate.Pilot.GoRuntimeAnswer Answer, TimeSpan Took) Run(string behavior, double timeout = 5.0, string? runtime = null,
        string policy = "", string registry = "", Dictionary<string, string>? env = null, CancellationToken ct = default)
    {
        var client = new OneShotRuntimeClient(new InputFiles(_dir));
        client.ChildEnvironment["CAVRA_STANDIN_BEHAVIOR"] = behavior;
        foreach (var kv in env ?? new()) client.ChildEnvironment[kv.Key] = kv.Value;
        var config = GateConfig.Resolve(new GateParameters { Mode = BackendMode.Shadow, RuntimePath = runtime ?? StandIn, PolicyPath = policy, RegistryPath = registry, TimeoutSeconds = timeout }, _ => null);
        var sw = Stopwatch.StartNew();
        var answer = client.Evaluate(Plan, config, ct);
        return (answer, sw.Elapsed);
    }

    [Fact]
    public void Answers_with_the_decision_object()
    {
        var (answer, _) = Run("normal");
        Assert.True(answer.Succeeded, answer.FailureReason);
        Assert.Equal("allow", ((JsonString)answer.Decision!.Get("decision")!).Value);
        Assert.Equal("commands.allow", ((JsonString)answer.Decision!.Get("rule_id")!).Value);
    }

    [Fact]
    public void Sends_compact_utf8_without_bom_and_passes_policy_and_registry()
    {
        var log = Path.Combine(_dir, "requests.log");
        var policy = Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "compiled_policy.json");
        var registry = Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "mcp_registry.json");
        var client = new OneShotRuntimeClient(new InputFiles(_dir));
        client.ChildEnvironment["CAVRA_STANDIN_LOG"] = log;
        var config = GateConfig.Resolve(new GateParameters { Mode = BackendMode.Shadow, RuntimePath = StandIn, PolicyPath = policy, RegistryPath = registry }, _ => null);
        var request = new ActionRequest { ActionType = "mcp_tool_call", Server = "github-mcp", Tool = "create_pull_request", Capability = "repository", Target = "é" };
        var answer = client.Evaluate(request, config, default);
        Assert.True(answer.Succeeded, answer.FailureReason);
        Assert.Equal("mcp.registry.allow", ((JsonString)answer.Decision!.Get("rule_id")!).Value); // proves --registry reached the runtime
        var sent = Convert.FromBase64String(File.ReadAllLines(log).Single());
        Assert.NotEqual(0xEF, sent[0]);
        Assert.Equal(request.ToRuntimeJson(), Encoding.UTF8.GetString(sent));
        Assert.DoesNotContain("\n", Encoding.UTF8.GetString(sent));
    }

    [Theory]
    [InlineData("crash", "exited with status ")]
    [InlineData("exit-nonzero", "exited with status 3: open policy.json: no such file or directory")]
    [InlineData("garbage", "output is not valid JSON: Expecting value: line 1 column 1 (char 0)")]
    [InlineData("array", "output is not a JSON object")]
    [InlineData("string", "output is not a JSON object")]
    [InlineData("empty", "output is empty")]
    [InlineData("invalid-utf8", "output is not valid UTF-8")]
    [InlineData("huge", "output exceeds 1 MiB")]
    public void Every_misbehaviour_is_a_failure_with_its_reason(string behavior, string reason)
    {
        var (answer, _) = Run(behavior);
        Assert.False(answer.Succeeded);
        Assert.StartsWith(reason, answer.FailureReason);
    }

    [Theory]
    [InlineData("stderr-flood")]
    [InlineData("ignore-stdin")]
    public void Noise_on_stderr_or_an_unread_stdin_does_not_break_the_answer(string behavior)
    {
        var (answer, _) = Run(behavior);
        Assert.True(answer.Succeeded, answer.FailureReason);
    }

    [Fact]
    public void A_policy_the_runtime_cannot_load_is_a_failure()
    {
        var bad = Path.Combine(_dir, "bad-policy.json");
        File.WriteAllText(bad, "{\"commands\": {\"block\": 1}}");
        var (answer, _) = Run("normal", policy: bad);
        Assert.StartsWith("exited with status 1: load policy", answer.FailureReason);
    }

    [Fact]
    public void Missing_and_non_executable_binaries_fail_closed()
    {
        Assert.Equal("no such file or directory: " + Path.Combine(_dir, "nope"), Run("normal", runtime: "nope").Answer.FailureReason);
        var text = Path.Combine(_dir, "not-executable");
        File.WriteAllText(text, "plain text");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(text, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.StartsWith("permission denied: ", Run("normal", runtime: text).Answer.FailureReason);
        Assert.Equal("runtime path is not configured", Run("normal", runtime: "").Answer.FailureReason);
        Assert.Equal("timeout_seconds must be a positive number", Run("normal", timeout: -1).Answer.FailureReason);
    }

    [Fact]
    public void A_timeout_kills_the_whole_process_tree()
    {
        var pidFile = Path.Combine(_dir, "pids");
        var (answer, took) = Run("sleep-with-child", timeout: 1.0, env: new() { ["CAVRA_STANDIN_PID_FILE"] = pidFile });
        Assert.Equal("timed out after 1.0 seconds", answer.FailureReason);
        Assert.InRange(took.TotalSeconds, 0.9, 8);
        var pids = File.ReadAllLines(pidFile).Select(int.Parse).ToArray();
        Assert.Equal(2, pids.Length);
        // SIGKILL is delivered at once but a process leaves the table asynchronously: allow a short grace period.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (pids.Any(IsAlive) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        foreach (var pid in pids) Assert.False(IsAlive(pid), $"process {pid} survived the timeout");
    }

    [Fact]
    public void Cancellation_kills_the_runtime()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var (answer, took) = Run("sleep", timeout: 30, ct: cts.Token);
        Assert.Equal("stopped before the runtime answered", answer.FailureReason);
        Assert.True(took < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Windows_quoting_round_trips_awkward_arguments()
    {
        Assert.Equal("plain", OneShotRuntimeClient.QuoteWindows("plain"));
        Assert.Equal("\"\"", OneShotRuntimeClient.QuoteWindows(""));
        Assert.Equal("\"a b\"", OneShotRuntimeClient.QuoteWindows("a b"));
        Assert.Equal("\"a\\\"b\"", OneShotRuntimeClient.QuoteWindows("a\"b"));
        Assert.Equal("\"c:\\dir with space\\\\\"", OneShotRuntimeClient.QuoteWindows("c:\\dir with space\\"));
    }

    private static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            // A zombie (state Z) is dead: it only waits to be reaped by whoever inherited it.
            var stat = $"/proc/{pid}/stat";
            if (!File.Exists(stat)) return false;
            try { var text = File.ReadAllText(stat); return text[(text.LastIndexOf(')') + 2)] != 'Z'; }
            catch (IOException) { return false; }
        }
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }
}
