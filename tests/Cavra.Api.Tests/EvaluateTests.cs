using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Runtime;
using Cavra.Gate.Serialization;
using Cavra.Gate.Tests;

namespace Cavra.Api.Tests;

/// <summary>POST /runtime/go-pilot/evaluate: request JSON in, the pilot's evaluation record out, as Invoke-CavraGoPilotEvaluate -AsJson.</summary>
public sealed class EvaluateTests : IDisposable
{
    private readonly EvidenceSet _evidence = new();
    private string SettingsPath => Path.Combine(_evidence.Directory, "api-settings.json");
    public void Dispose() => _evidence.Dispose();

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

    private static string CompiledPolicy => Path.Combine(EvidenceSet.RepoRoot, "examples", "policy", "compiled_policy.json");

    /// <summary>Identifiers and timestamps are minted per evaluation; everything else must match.</summary>
    private static string Stable(string record) =>
        Regex.Replace(Regex.Replace(record, "\"(evaluation_id|evaluated_at|decision_id|timestamp|correlation_id|duration_ms|go_duration_ms)\": (\"[^\"]*\"|[0-9.]+)", "\"$1\": \"*\""),
            "evidence://local/dec_[0-9a-f]+", "evidence://local/*");

    private static string InProcess(GateParameters parameters, string request)
    {
        var context = SettingsFile.Context(parameters);
        Assert.True(ActionRequest.TryParse(StrictJsonParser.Parse(request), out var parsed, out _));
        return CanonicalJsonWriter.Serialize(new PilotEvaluator(context, new OneShotRuntimeClient(context.Files)).Evaluate(parsed));
    }

    public static TheoryData<string, string> Cases() => new()
    {
        { "disabled", "{\"action_type\": \"read_file\", \"target\": \".env\"}" },
        { "shadow", "{\"action_type\": \"execute_command\", \"target\": \"terraform plan\", \"policy_pack\": \"cavra-ai-agent-baseline\"}" },
        { "promoted", "{\"action_type\": \"execute_command\", \"target\": \"rm -rf /\"}" },
        { "promoted-broken-plan", "{\"action_type\": \"read_file\", \"target\": \"README.md\"}" },
        { "shadow", "{\"action_type\": \"mcp_tool_call\", \"target\": \"github\", \"server\": \"github\", \"tool\": \"create_issue\", \"capability\": \"write\"}" },
    };

    private GateParameters Scenario(string name)
    {
        var p = _evidence.Parameters();
        p.RuntimePath = StandIn;
        p.PolicyPath = CompiledPolicy;
        switch (name)
        {
            case "disabled": return new GateParameters();
            case "shadow": return new GateParameters { Mode = BackendMode.Shadow, RuntimePath = StandIn, PolicyPath = CompiledPolicy };
            case "promoted-broken-plan": File.WriteAllText(_evidence.RollbackPlanPath, "{}"); return p;
            default: return p;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_record_is_the_pilots(string scenario, string request)
    {
        var parameters = Scenario(scenario);
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, parameters));

        var (status, body, response) = await api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/evaluate", Encoding.UTF8.GetBytes(request));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Contains("\"schema_version\": \"cavra.go-backend-pilot.evaluation.v1\"", body);
        Assert.Equal(Stable(InProcess(parameters, request)), Stable(body));
    }

    [Fact]
    public async Task Promoted_mode_with_a_passing_gate_selects_go()
    {
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, Scenario("promoted")));
        var (_, body, _) = await api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/evaluate", Encoding.UTF8.GetBytes("{\"action_type\": \"execute_command\", \"target\": \"terraform plan\"}"));
        Assert.Contains("\"selected_backend\": \"go\"", body);
        Assert.Contains("\"parity_match\": true", body);
    }

    [Fact]
    public async Task A_failing_gate_step_is_reported_in_the_record_not_as_an_error()
    {
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, Scenario("promoted-broken-plan")));
        var (status, body, _) = await api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/evaluate", Encoding.UTF8.GetBytes("{\"action_type\": \"read_file\", \"target\": \"a\"}"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"selected_backend\": \"dotnet\"", body);
        Assert.Contains("\"fallback_reason\": \"go backend rollback readiness check failed\"", body);
    }

    [Fact]
    public async Task Concurrent_evaluations_all_succeed()
    {
        // 24 one-shot runtimes at once: room for a loaded machine, or a runtime timeout shows up as a parity mismatch.
        var shadow = Scenario("shadow");
        shadow.TimeoutSeconds = 120;
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, shadow));
        var request = Encoding.UTF8.GetBytes("{\"action_type\": \"execute_command\", \"target\": \"terraform plan\"}");
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => api.SendAsync(HttpMethod.Post, "/runtime/go-pilot/evaluate", request)));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers, a => Assert.Contains("\"parity_match\": true", a.Body));
        Assert.Single(answers.Select(a => Stable(a.Body)).Distinct());
    }
}
