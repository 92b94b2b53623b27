using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Runtime;
using Cavra.Gate.Tests.Gate;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Tests.Runtime;

/// <summary>
/// The one-shot client against the stand-in runtime (tests/Cavra.StandInRuntime, built by the ProjectReference in this
/// project and run through its apphost, as the pilot execs a path). Every failure mode asserts its exact reason, that no
/// process it started survives, and that it ends in bounded time.
/// </summary>
public sealed class OneShotRuntimeClientTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cavra-runtime-").FullName;
    private int _runs;

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    /// <summary>The stand-in's apphost in the configuration this test assembly was built in.</summary>
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

    private static string ExamplePolicy => Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "compiled_policy.json");
    private static string ExampleRegistry => Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "mcp_registry.json");
    private static readonly ActionRequest Plan = new() { ActionType = "execute_command", Target = "terraform plan" };

    private sealed record Run(RuntimeInvocationResult Result, TimeSpan Took, int[] Pids, string ArgvLog, string RequestLog);

    private Run Invoke(string behavior, double timeout = 5.0, string? runtime = null, string policy = "", string registry = "",
        ActionRequest? request = null, CancellationToken ct = default)
    {
        int n = Interlocked.Increment(ref _runs);
        string pidFile = Path.Combine(_dir, $"pids-{n}"), argvLog = Path.Combine(_dir, $"argv-{n}.log"), requestLog = Path.Combine(_dir, $"requests-{n}.log");
        var client = new OneShotRuntimeClient(new InputFiles(_dir));
        client.ChildEnvironment["CAVRA_STANDIN_BEHAVIOR"] = behavior;
        client.ChildEnvironment["CAVRA_STANDIN_PID_FILE"] = pidFile;
        client.ChildEnvironment["CAVRA_STANDIN_ARGV_LOG"] = argvLog;
        client.ChildEnvironment["CAVRA_STANDIN_LOG"] = requestLog;
        var config = GateConfig.Resolve(new GateParameters
        {
            Mode = BackendMode.Shadow, RuntimePath = runtime ?? StandIn, PolicyPath = policy, RegistryPath = registry, TimeoutSeconds = timeout,
        }, _ => null);
        var sw = Stopwatch.StartNew();
        var result = client.Invoke(request ?? Plan, config, ct);
        var took = sw.Elapsed;
        var pids = File.Exists(pidFile) ? File.ReadAllLines(pidFile).Where(l => l.Length > 0).Select(int.Parse).ToArray() : Array.Empty<int>();
        return new Run(result, took, pids, File.Exists(argvLog) ? File.ReadAllText(argvLog) : "", File.Exists(requestLog) ? File.ReadAllText(requestLog) : "");
    }

    // ---- answers --------------------------------------------------------------------------------------------------

    [Fact]
    public void Answers_with_the_decision_object()
    {
        var run = Invoke("normal");
        Assert.True(run.Result.Succeeded, run.Result.FailureReason);
        Assert.Equal("", run.Result.FailureReason);
        Assert.Equal("allow", Str(run.Result.Decision!, "decision"));
        Assert.Equal("commands.allow", Str(run.Result.Decision!, "rule_id"));
        Assert.Equal(0, run.Result.ExitCode);
        Assert.False(run.Result.TimedOut);
        Assert.Equal("", run.Result.StderrExcerpt);
        Assert.Equal(run.Pids.Single(), run.Result.ProcessId);
        AssertNoSurvivors(run);
    }

    [Fact]
    public void Evaluate_is_the_pilot_view_of_invoke()
    {
        var client = new OneShotRuntimeClient(new InputFiles(_dir));
        var config = GateConfig.Resolve(new GateParameters { Mode = BackendMode.Shadow, RuntimePath = StandIn }, _ => null);
        var ok = client.Evaluate(Plan, config, default);
        Assert.True(ok.Succeeded, ok.FailureReason);
        Assert.Equal("commands.allow", Str(ok.Decision!, "rule_id"));
        client.ChildEnvironment["CAVRA_STANDIN_BEHAVIOR"] = "array";
        var failed = client.Evaluate(Plan, config, default);
        Assert.False(failed.Succeeded);
        Assert.Null(failed.Decision);
        Assert.Equal("output is not a JSON object", failed.FailureReason);
    }

    [Fact]
    public void Sends_the_request_as_compact_utf8_without_bom_and_closes_stdin()
    {
        var request = new ActionRequest { ActionType = "execute_command", Target = "echo é ✓ \"q\" <tag>", SessionId = "s-1" };
        var run = Invoke("normal", request: request);
        Assert.True(run.Result.Succeeded, run.Result.FailureReason);
        var sent = Convert.FromBase64String(run.RequestLog.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single());
        Assert.Equal(Encoding.UTF8.GetBytes(request.ToRuntimeJson()), sent); // byte for byte: no BOM, nothing appended
        Assert.NotEqual(0xEF, sent[0]);
        Assert.Equal((byte)'{', sent[0]);
        Assert.DoesNotContain((byte)'\n', sent);
        Assert.DoesNotContain("\": ", Encoding.UTF8.GetString(sent)); // compact separators
        Assert.DoesNotContain(", \"", Encoding.UTF8.GetString(sent));
        Assert.Equal("echo é ✓ \"q\" <tag>", Str(run.Result.Decision!, "target")); // the stand-in read it to EOF and decoded it
    }

    [Fact]
    public void Argv_is_policy_only_without_a_registry()
    {
        var run = Invoke("normal", policy: ExamplePolicy);
        Assert.True(run.Result.Succeeded, run.Result.FailureReason);
        Assert.Equal(new[] { "--policy", ExamplePolicy }, Argv(run));
        Assert.Equal(new[] { StandIn, "--policy", ExamplePolicy }, run.Result.Argv);
    }

    [Fact]
    public void Argv_adds_the_registry_when_one_is_configured()
    {
        var request = new ActionRequest { ActionType = "mcp_tool_call", Server = "github-mcp", Tool = "create_pull_request", Capability = "repository" };
        var run = Invoke("normal", policy: ExamplePolicy, registry: ExampleRegistry, request: request);
        Assert.True(run.Result.Succeeded, run.Result.FailureReason);
        Assert.Equal(new[] { "--policy", ExamplePolicy, "--registry", ExampleRegistry }, Argv(run));
        Assert.Equal(new[] { StandIn, "--policy", ExamplePolicy, "--registry", ExampleRegistry }, run.Result.Argv);
        Assert.Equal("mcp.registry.allow", Str(run.Result.Decision!, "rule_id")); // the registry reached the engine
    }

    [Fact]
    public void Argv_passes_an_empty_policy_as_its_own_argument()
    {
        var run = Invoke("normal");
        Assert.True(run.Result.Succeeded, run.Result.FailureReason);
        Assert.Equal(new[] { "--policy", "" }, Argv(run));
    }

    [Fact]
    public void Relative_paths_resolve_against_the_base_directory_and_awkward_characters_survive()
    {
        var name = OperatingSystem.IsWindows() ? "dir with space" : "dir with space \"and\" quote\\";
        var sub = Directory.CreateDirectory(Path.Combine(_dir, name));
        File.Copy(ExamplePolicy, Path.Combine(sub.FullName, "policy 1.json"));
        var relative = Path.Combine(sub.Name, "policy 1.json");
        var run = Invoke("normal", policy: relative);
        Assert.True(run.Result.Succeeded, run.Result.FailureReason);
        Assert.Equal(new[] { "--policy", Path.Combine(_dir, relative) }, Argv(run));
    }

    [Fact]
    public void A_diverging_runtime_is_still_an_answer()
    {
        var run = Invoke("diverge");
        Assert.True(run.Result.Succeeded, run.Result.FailureReason);
        Assert.Equal("block", Str(run.Result.Decision!, "decision")); // the built-in engine allows terraform plan
        Assert.Equal("commands.allow", Str(run.Result.Decision!, "rule_id"));
    }

    [Fact]
    public void A_flood_on_stderr_is_drained_and_kept_only_as_a_short_excerpt()
    {
        var run = Invoke("stderr-flood", timeout: 30);
        Assert.True(run.Result.Succeeded, run.Result.FailureReason);
        Assert.InRange(run.Result.StderrExcerpt.Length, 1, OneShotRuntimeClient.StderrExcerptBytes);
        Assert.Matches("^e+$", run.Result.StderrExcerpt);
        Assert.True(run.Took < TimeSpan.FromSeconds(20), $"took {run.Took}");
        AssertNoSurvivors(run);
    }

    [Fact]
    public void A_runtime_that_never_reads_stdin_does_not_break_the_client()
    {
        // 2 MiB cannot fit in a pipe buffer: the write fails with a broken pipe once the runtime exits.
        var big = new ActionRequest { ActionType = "execute_command", Target = new string('x', 2 * 1024 * 1024) };
        var run = Invoke("ignore-stdin", request: big, timeout: 30);
        Assert.True(run.Result.Succeeded, run.Result.FailureReason);
        Assert.Equal("commands.allow", Str(run.Result.Decision!, "rule_id"));
        Assert.Equal("", run.RequestLog);
        AssertNoSurvivors(run);
    }

    [Fact]
    public void Parallel_invocations_are_independent()
    {
        var runs = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8).Select(_ => Invoke("normal", timeout: 30)).ToArray();
        foreach (var run in runs)
        {
            Assert.True(run.Result.Succeeded, run.Result.FailureReason);
            AssertNoSurvivors(run);
        }
        Assert.Equal(8, runs.Select(r => r.Result.ProcessId).Distinct().Count());
    }

    // ---- failures: what the runtime printed ---------------------------------------------------------------------

    [Theory]
    [InlineData("garbage", "output is not valid JSON: Expecting value: line 1 column 1 (char 0)")]
    [InlineData("array", "output is not a JSON object")]
    [InlineData("string", "output is not a JSON object")]
    [InlineData("empty", "output is empty")]
    [InlineData("invalid-utf8", "output is not valid UTF-8")]
    public void Output_that_is_not_one_json_object_is_a_failure(string behavior, string reason)
    {
        var run = Invoke(behavior);
        Assert.False(run.Result.Succeeded);
        Assert.Null(run.Result.Decision);
        Assert.Equal(reason, run.Result.FailureReason);
        Assert.Equal(0, run.Result.ExitCode);
        AssertNoSurvivors(run);
    }

    [Fact]
    public void Output_over_1_MiB_kills_the_runtime_without_waiting_for_the_deadline()
    {
        var run = Invoke("huge", timeout: 60);
        Assert.Equal("output exceeds 1 MiB", run.Result.FailureReason);
        Assert.Null(run.Result.ExitCode); // killed: the stand-in blocks writing the rest of its 5 MiB
        Assert.False(run.Result.TimedOut);
        Assert.True(run.Took < TimeSpan.FromSeconds(30), $"took {run.Took}");
        AssertNoSurvivors(run);
    }

    // ---- failures: how the runtime ended ------------------------------------------------------------------------

    [Fact]
    public void A_non_zero_exit_is_a_failure_with_its_status_and_stderr_stays_out_of_the_reason()
    {
        var run = Invoke("exit-nonzero");
        Assert.Equal("exited with status 3", run.Result.FailureReason); // stderr may carry paths or secrets: diagnostics only
        Assert.Equal(3, run.Result.ExitCode);
        Assert.Equal("open policy.json: no such file or directory", run.Result.StderrExcerpt);
        AssertNoSurvivors(run);
    }

    [Fact]
    public void A_crash_is_a_failure_with_its_exit_status()
    {
        var run = Invoke("crash");
        var m = Regex.Match(run.Result.FailureReason, @"^exited with status (-?\d+)$");
        Assert.True(m.Success, run.Result.FailureReason);
        Assert.Equal(run.Result.ExitCode, int.Parse(m.Groups[1].Value));
        if (!OperatingSystem.IsWindows()) Assert.Equal(134, run.Result.ExitCode); // SIGABRT, reported as 128 + 6
        Assert.Contains("Unhandled exception. System.InvalidOperationException", run.Result.StderrExcerpt); // the excerpt keeps it
        Assert.Contains("at Program", run.Result.StderrExcerpt);
        Assert.DoesNotContain("Unhandled", run.Result.FailureReason);
        AssertNoSurvivors(run);
    }

    [Fact]
    public void A_policy_the_runtime_cannot_load_is_a_failure_even_when_it_never_reads_the_request()
    {
        // The runtime exits before reading stdin; a request larger than the pipe buffer then meets a broken pipe.
        var missing = Path.Combine(_dir, "missing-policy.json");
        var big = new ActionRequest { ActionType = "execute_command", Target = new string('x', 1024 * 1024) };
        var run = Invoke("normal", policy: missing, request: big, timeout: 30);
        Assert.Equal("exited with status 1", run.Result.FailureReason);
        Assert.Equal($"load policy {missing}: metadata file is missing", run.Result.StderrExcerpt);
        Assert.Equal(1, run.Result.ExitCode);
        Assert.Equal("", run.RequestLog);
        AssertNoSurvivors(run);

        var bad = Path.Combine(_dir, "bad-policy.json");
        File.WriteAllText(bad, "{\"commands\": {\"block\": 1}}");
        var badRun = Invoke("normal", policy: bad).Result;
        Assert.Equal("exited with status 1", badRun.FailureReason);
        Assert.StartsWith($"load policy {bad}: ", badRun.StderrExcerpt);
    }

    [Fact]
    public void A_registry_the_runtime_cannot_load_is_a_failure()
    {
        var missing = Path.Combine(_dir, "missing-registry.json");
        var run = Invoke("normal", policy: ExamplePolicy, registry: missing);
        Assert.Equal("exited with status 1", run.Result.FailureReason);
        Assert.Equal($"load registry {missing}: metadata file is missing", run.Result.StderrExcerpt);
        AssertNoSurvivors(run);
    }

    [Fact]
    public void A_timeout_kills_the_runtime_in_bounded_time()
    {
        var run = Invoke("sleep", timeout: 1.0);
        Assert.Equal("timed out after 1.0 seconds", run.Result.FailureReason);
        Assert.True(run.Result.TimedOut);
        Assert.Null(run.Result.ExitCode);
        Assert.InRange(run.Took.TotalSeconds, 0.95, 60.0); // the runtime sleeps 10 minutes: bounded, with room for a loaded machine
        AssertNoSurvivors(run);
    }

    [Fact]
    public void A_timeout_kills_the_whole_process_tree()
    {
        var run = Invoke("sleep-with-child", timeout: 1.0);
        Assert.Equal("timed out after 1.0 seconds", run.Result.FailureReason);
        Assert.True(run.Result.TimedOut);
        Assert.InRange(run.Took.TotalSeconds, 0.95, 60.0); // the runtime sleeps 10 minutes: bounded, with room for a loaded machine
        Assert.Equal(2, run.Pids.Length); // the stand-in and the grandchild it started
        Assert.Equal(run.Pids[0], run.Result.ProcessId);
        AssertNoSurvivors(run);
    }

    [Fact]
    public void The_timeout_text_uses_the_configured_value()
    {
        var run = Invoke("sleep", timeout: 0.25);
        Assert.Equal("timed out after 0.25 seconds", run.Result.FailureReason);
        AssertNoSurvivors(run);
    }

    [Fact]
    public void A_runtime_that_exits_leaving_a_process_on_its_pipes_fails_and_the_leftover_is_killed()
    {
        if (!OperatingSystem.IsLinux()) return; // leftovers are found through /proc; elsewhere the deadline ends the wait
        var run = Invoke("exit-leaving-child", timeout: 30);
        Assert.Equal(OneShotRuntimeClient.LeftoverReason, run.Result.FailureReason);
        Assert.Equal("exited but left a process holding its pipes open", run.Result.FailureReason);
        Assert.Equal(0, run.Result.ExitCode);
        Assert.False(run.Result.TimedOut);
        Assert.True(run.Took < TimeSpan.FromSeconds(15), $"took {run.Took}"); // found at once, not at the 30 s deadline
        Assert.Equal(2, run.Pids.Length);
        AssertNoSurvivors(run);
    }

    [Fact]
    public void Cancellation_kills_the_runtime_tree()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var run = Invoke("sleep-with-child", timeout: 60, ct: cts.Token);
        Assert.Equal("stopped before the runtime answered", run.Result.FailureReason);
        Assert.True(run.Result.Cancelled);
        Assert.False(run.Result.TimedOut);
        Assert.True(run.Took < TimeSpan.FromSeconds(4), $"took {run.Took}");
        AssertNoSurvivors(run);
    }

    [Fact]
    public void A_cancelled_token_starts_nothing()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var run = Invoke("normal", ct: cts.Token);
        Assert.Equal("stopped before the runtime answered", run.Result.FailureReason);
        Assert.Null(run.Result.ProcessId);
        Assert.Empty(run.Pids);
    }

    // ---- failures: what could not be started -------------------------------------------------------------------

    [Fact]
    public void A_missing_binary_fails_closed()
    {
        var run = Invoke("normal", runtime: "nope");
        Assert.Equal("no such file or directory: " + Path.Combine(_dir, "nope"), run.Result.FailureReason);
        Assert.Null(run.Result.ProcessId);
        Assert.Empty(run.Result.Argv);
    }

    [Fact]
    public void A_binary_without_execute_permission_fails_closed()
    {
        var text = Path.Combine(_dir, "not-executable");
        File.WriteAllText(text, "plain text");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(text, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var run = Invoke("normal", runtime: text);
        if (OperatingSystem.IsWindows()) Assert.StartsWith("could not start " + text + ": ", run.Result.FailureReason); // not a valid Win32 application
        else Assert.Equal("permission denied: " + text, run.Result.FailureReason);
        Assert.Null(run.Result.ProcessId);
    }

    [Fact]
    public void A_directory_as_the_binary_fails_closed()
    {
        var run = Invoke("normal", runtime: _dir);
        Assert.Equal("permission denied: " + _dir, run.Result.FailureReason);
    }

    [Fact]
    public void A_file_that_is_not_a_program_fails_closed()
    {
        if (!OperatingSystem.IsLinux()) return; // the OS wording is platform-specific
        var fake = Path.Combine(_dir, "fake-elf");
        File.WriteAllBytes(fake, "\u007fELF not really"u8.ToArray());
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal($"could not start {fake}: Exec format error", Invoke("normal", runtime: fake).Result.FailureReason);
    }

    [Fact]
    public void An_unconfigured_runtime_path_fails_closed()
    {
        Assert.Equal("runtime path is not configured", Invoke("normal", runtime: "").Result.FailureReason);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void A_timeout_that_is_not_positive_is_refused_without_starting_anything(double timeout)
    {
        var run = Invoke("normal", timeout: timeout);
        Assert.Equal("timeout_seconds must be a positive number", run.Result.FailureReason);
        Assert.Null(run.Result.ProcessId);
    }

    [Theory]
    [InlineData(double.PositiveInfinity)] // was capped and accepted; the settings table's one cap now refuses it from every source
    [InlineData(1e300)]
    [InlineData(3600.5)]
    [InlineData(0.0005)]
    public void A_timeout_outside_the_settings_table_range_is_refused_without_starting_anything(double timeout)
    {
        var run = Invoke("normal", timeout: timeout);
        Assert.Equal("timeout_seconds must be between 0.001 and 3600", run.Result.FailureReason);
        Assert.Null(run.Result.ProcessId);
    }

    // ---- Windows command line (the .NET Framework path) ---------------------------------------------------------

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "\"\"")]
    [InlineData("a b", "\"a b\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("c:\\dir with space\\", "\"c:\\dir with space\\\\\"")]
    [InlineData("c:\\no\\space\\", "c:\\no\\space\\")]
    [InlineData("tab\there", "\"tab\there\"")]
    [InlineData("line\nfeed", "\"line\nfeed\"")]
    [InlineData("vertical\vtab", "\"vertical\vtab\"")]
    public void Windows_quoting_follows_CommandLineToArgvW(string arg, string quoted)
    {
        Assert.Equal(quoted, ProcessArguments.Quote(arg));
    }

    [Fact]
    public void Windows_command_lines_split_back_into_the_same_arguments()
    {
        string[][] cases =
        {
            new[] { "--policy", "C:\\Program Files\\cavra\\policy.json", "--registry", "" },
            new[] { "a\\\\\"b", "\\", "\\\"", "\" \"", "trailing\\\\", "x\ty", "é ✓" },
            new[] { "--policy", "\\\\server\\share\\dir with space\\" },
        };
        foreach (var args in cases) Assert.Equal(args, SplitWindows(ProcessArguments.Join(args)));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static string Str(JsonObject o, string key) => ((JsonString)o.Get(key)!).Value;

    /// <summary>The argv the stand-in received (its one CAVRA_STANDIN_ARGV_LOG line), program path excluded.</summary>
    private static string[] Argv(Run run)
    {
        var line = run.ArgvLog.Split('\n', StringSplitOptions.RemoveEmptyEntries).Single();
        Assert.True(StrictJsonParser.TryParse(line, out var value, out var error), error?.Message);
        return ((JsonArray)value).Items.Select(v => ((JsonString)v).Value).ToArray();
    }

    /// <summary>Neither the runtime nor anything it started may outlive the call. SIGKILL is immediate, but a process
    /// leaves the table asynchronously, so allow a short grace period.</summary>
    private static void AssertNoSurvivors(Run run)
    {
        var pids = run.Pids.ToList();
        if (run.Result.ProcessId is int pid && !pids.Contains(pid)) pids.Add(pid);
        Assert.NotEmpty(pids);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (pids.Any(IsAlive) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        foreach (var p in pids) Assert.False(IsAlive(p), $"process {p} outlived the evaluation");
    }

    private static bool IsAlive(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            // A zombie (state Z) is dead: it only waits to be reaped by whoever inherited it.
            try { var text = File.ReadAllText($"/proc/{pid}/stat"); return text[text.LastIndexOf(')') + 2] != 'Z'; }
            catch (IOException) { return false; }
        }
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>The MSVC / CommandLineToArgvW splitting rules, for the arguments after the program name.</summary>
    private static List<string> SplitWindows(string line)
    {
        var args = new List<string>();
        int i = 0;
        while (true)
        {
            while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
            if (i >= line.Length) return args;
            var sb = new StringBuilder();
            bool quoted = false;
            while (i < line.Length && (quoted || (line[i] != ' ' && line[i] != '\t')))
            {
                if (line[i] == '\\')
                {
                    int n = 0;
                    while (i < line.Length && line[i] == '\\') { n++; i++; }
                    if (i < line.Length && line[i] == '"') { sb.Append('\\', n / 2); if (n % 2 == 1) { sb.Append('"'); i++; } }
                    else sb.Append('\\', n);
                    continue;
                }
                if (line[i] == '"') { quoted = !quoted; i++; continue; }
                sb.Append(line[i++]);
            }
            args.Add(sb.ToString());
        }
    }
}
