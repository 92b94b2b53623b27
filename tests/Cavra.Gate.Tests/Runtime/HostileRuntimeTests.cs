using System.Diagnostics;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Runtime;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Tests.Runtime;

/// <summary>Issue 17 items 6–8: every wait bounded by the caller's timeout, stderr out of reasons, no process outliving a call.</summary>
[Collection("daemon")]
public sealed class HostileRuntimeTests : IDisposable
{
    private readonly DaemonScope _scope = new();
    public void Dispose() => _scope.Dispose();

    private static readonly ActionRequest Plan = new() { ActionType = "execute_command", Target = "terraform plan" };

    [Fact]
    public void A_first_daemon_start_that_never_listens_costs_the_callers_timeout_not_the_ready_timeout()
    {
        var options = _scope.Options("sleep");
        options.ReadyTimeout = TimeSpan.FromSeconds(30); // what a first start used to wait, whatever the caller's timeout
        var daemon = _scope.Track(GoRuntimeDaemon.Create(options));
        var oneShot = new OneShotRuntimeClient(new InputFiles(_scope.Dir));
        var client = new DaemonRuntimeClient(daemon, oneShot);
        var sw = Stopwatch.StartNew();
        var answer = client.Evaluate(Plan, GoRuntimeDaemonTests.Config(timeout: 1.5), default);
        Assert.False(answer.Succeeded);
        Assert.StartsWith("daemon could not start: daemon did not become ready within", answer.FailureReason);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"took {sw.Elapsed} with a 1.5 s timeout");
    }

    [Fact]
    public void A_daemons_stderr_is_narrated_not_part_of_the_reason()
    {
        var bad = Path.Combine(_scope.Dir, "bad-policy.json");
        File.WriteAllText(bad, "{\"commands\": {\"block\": 1}}");
        var daemon = _scope.Track(GoRuntimeDaemon.Create(_scope.Options(policy: bad)));
        var narration = new List<string>();
        daemon.Narration += m => { lock (narration) narration.Add(m); };
        var client = new DaemonRuntimeClient(daemon, new OneShotRuntimeClient(new InputFiles(_scope.Dir)));
        var answer = client.Evaluate(Plan, GoRuntimeDaemonTests.Config(policy: bad), default);
        Assert.False(answer.Succeeded);
        Assert.Equal("daemon could not start: daemon exited with status 1", answer.FailureReason);
        lock (narration) Assert.Contains(narration, m => m.Contains("wrote to stderr: load policy"));
    }

    [Fact]
    public void A_one_shot_runtimes_stderr_goes_to_diagnostics_only()
    {
        var client = new OneShotRuntimeClient(new InputFiles(_scope.Dir));
        client.ChildEnvironment["CAVRA_STANDIN_BEHAVIOR"] = "exit-nonzero";
        var seen = new List<string>();
        client.Diagnostics += seen.Add;
        var result = client.Invoke(Plan, GoRuntimeDaemonTests.Config());
        Assert.Equal("exited with status 3", result.FailureReason);
        Assert.Equal(new[] { $"cavra-runtime (process {result.ProcessId}) wrote to stderr: open policy.json: no such file or directory" }, seen);
    }

    /// <summary>A runtime (a shell script) that starts a grandchild in its own session, as <c>(setsid sleep &amp;)</c> does.</summary>
    private string EscapingRuntime(string pidFile, string then)
    {
        var path = Path.Combine(_scope.Dir, "escaping-runtime-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(path, "#!/bin/sh\n"
            + $"(setsid sh -c 'echo $$ > \"{pidFile}.tmp\"; mv \"{pidFile}.tmp\" \"{pidFile}\"; exec sleep 300' </dev/null >/dev/null 2>&1 &)\n"
            + $"while [ ! -s \"{pidFile}\" ]; do sleep 0.02; done\n"
            + then);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    [Theory]
    [InlineData("answers", "cat >/dev/null; echo '{\"decision\": \"allow\", \"rule_id\": \"r\", \"severity\": \"low\", \"reason\": \"x\"}'\n")]
    [InlineData("fails", "exit 1\n")]
    [InlineData("times out", "sleep 300\n")]
    public void A_grandchild_that_left_the_session_does_not_outlive_the_call(string outcome, string then)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/setsid")) return; // documented: found through /proc on Linux only
        var pidFile = Path.Combine(_scope.Dir, "grandchild-" + outcome.Replace(' ', '-') + ".pid");
        var runtime = EscapingRuntime(pidFile, then);
        var client = new OneShotRuntimeClient(new InputFiles(_scope.Dir));
        var config = GateConfig.Resolve(new GateParameters { Mode = BackendMode.Shadow, RuntimePath = runtime, TimeoutSeconds = 3 }, _ => null);
        var result = client.Invoke(Plan, config);
        Assert.Equal(outcome == "answers", result.Succeeded);
        int grandchild = int.Parse(File.ReadAllText(pidFile).Trim());
        DaemonScope.AssertGone(new[] { grandchild });
    }
}
