using System.Collections.Concurrent;
using System.Net;
using Cavra.Gate.Configuration;
using Cavra.Gate.Readiness;
using Cavra.Gate.Tests;

namespace Cavra.Api.Tests;

/// <summary>Every report route answers 200 with exactly the text the matching cmdlet's -AsJson prints for the same
/// configuration (the report's <c>ToJson()</c>), and sees changes to configuration and evidence between requests.</summary>
public sealed class RouteTests : IDisposable
{
    private readonly EvidenceSet _evidence = new();
    private string SettingsPath => Path.Combine(_evidence.Directory, "api-settings.json");
    public void Dispose() => _evidence.Dispose();

    // Written out independently of ReadinessApi.ReportRoutes: the route table itself is under test.
    public static readonly Dictionary<string, Func<GateContext, ReadinessReport>> Expected = new()
    {
        ["/deployment/production-readiness"] = ProductionReadinessReport.Evaluate,           // Get-CavraProductionReadiness -AsJson
        ["/runtime/go-pilot/readiness"] = BackendReadinessReport.Evaluate,                   // Get-CavraGoReadinessReport Runtime -AsJson
        ["/runtime/go-pilot/deployment-readiness"] = DeploymentReadinessReport.Evaluate,     // ... Deployment
        ["/runtime/go-pilot/promotion-readiness"] = PromotionReadinessReport.Evaluate,       // ... Promotion
        ["/runtime/go-pilot/rollback-readiness"] = RollbackReadinessReport.Evaluate,         // ... Rollback
        ["/runtime/go-pilot/rollback-rehearsal"] = RollbackRehearsalReport.Evaluate,         // ... RollbackRehearsal
        ["/runtime/go-pilot/rollback-drills"] = RollbackDrillHistoryReport.Evaluate,         // ... RollbackDrillHistory
        ["/runtime/go-pilot/rollback-drill-schedule"] = RollbackDrillScheduleReport.Evaluate, // ... RollbackDrillSchedule
    };

    public static TheoryData<string, string> RoutesAndScenarios()
    {
        var data = new TheoryData<string, string>();
        foreach (var route in Expected.Keys)
            foreach (var scenario in new[] { "promoted-complete", "promoted-broken-plan", "shadow-runtime-only", "defaults" })
                data.Add(route, scenario);
        return data;
    }

    private GateParameters Scenario(string name)
    {
        switch (name)
        {
            case "promoted-complete": return _evidence.Parameters();
            case "promoted-broken-plan":
                File.WriteAllText(_evidence.RollbackPlanPath, "{\"schema_version\": \"cavra.go-backend-rollback-plan.v1\", \"approved\": null}");
                return _evidence.Parameters();
            case "shadow-runtime-only": return new GateParameters { Mode = BackendMode.Shadow, RuntimePath = _evidence.RuntimePath, PolicyPath = _evidence.PolicyPath };
            default: return new GateParameters();
        }
    }

    [Theory]
    [MemberData(nameof(RoutesAndScenarios))]
    public async Task Route_serves_the_cmdlets_AsJson_text(string route, string scenario)
    {
        var parameters = Scenario(scenario);
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, parameters));

        var (status, body, response) = await api.GetAsync(route);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(Expected[route](SettingsFile.Context(parameters)).ToJson(), body);
    }

    [Fact]
    public void The_route_table_is_upstreams()
    {
        Assert.Equal(Expected.Keys.OrderBy(k => k), ReadinessApi.ReportRoutes.Select(r => r.Path).OrderBy(k => k));
    }

    [Fact]
    public async Task Production_readiness_names_the_blocking_checks()
    {
        Scenario("promoted-broken-plan");
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, _evidence.Parameters()));
        var (_, body, _) = await api.GetAsync("/deployment/production-readiness");
        var report = ProductionReadinessReport.Evaluate(SettingsFile.Context(_evidence.Parameters()));

        Assert.Equal(ReportStatus.NeedsAttention, report.Status);
        var blocking = report.BlockingChecks.Select(c => c.Id).ToArray();
        Assert.Contains("go_backend_rollback_controls", blocking);
        Assert.Contains("\"go_rollback_status\": \"needs_attention\"", body);
        Assert.Contains("\"status\": \"needs_attention\"", body);
    }

    [Fact]
    public async Task Healthz_answers_ok()
    {
        await using var api = await ApiServer.StartAsync(null);
        var (status, body, response) = await api.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("{\n  \"status\": \"ok\"\n}", body);
        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task An_evidence_file_changed_between_two_requests_is_seen()
    {
        var parameters = _evidence.Parameters();
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, parameters));
        string good = File.ReadAllText(_evidence.RollbackPlanPath);

        var first = await api.GetAsync("/runtime/go-pilot/rollback-readiness");
        Assert.Contains("\"status\": \"ready\"", first.Body);

        File.WriteAllText(_evidence.RollbackPlanPath, "{\"schema_version\": \"broken\"}");
        var second = await api.GetAsync("/runtime/go-pilot/rollback-readiness");
        Assert.Contains("\"status\": \"needs_attention\"", second.Body);
        Assert.Equal(RollbackReadinessReport.Evaluate(SettingsFile.Context(parameters)).ToJson(), second.Body);

        File.WriteAllText(_evidence.RollbackPlanPath, good);
        var third = await api.GetAsync("/runtime/go-pilot/rollback-readiness");
        Assert.Equal(first.Body, third.Body);
    }

    [Fact]
    public async Task A_settings_file_changed_between_two_requests_is_seen()
    {
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, new GateParameters { Mode = BackendMode.Shadow }));
        Assert.Contains("\"mode\": \"shadow\"", (await api.GetAsync("/runtime/go-pilot/readiness")).Body);
        SettingsFile.Write(SettingsPath, new GateParameters { Mode = BackendMode.Enforce });
        Assert.Contains("\"mode\": \"enforce\"", (await api.GetAsync("/runtime/go-pilot/readiness")).Body);
    }

    [Fact]
    public async Task Without_settings_CAVRA_GO_SETTINGS_names_the_file_and_CAVRA_GO_EVIDENCE_DIR_finds_the_evidence()
    {
        SettingsFile.Write(SettingsPath, new GateParameters { Mode = BackendMode.Enforce });
        var env = new ConcurrentDictionary<string, string>
        {
            ["CAVRA_GO_SETTINGS"] = SettingsPath,
            ["CAVRA_GO_EVIDENCE_DIR"] = Path.GetDirectoryName(_evidence.RollbackPlanPath)!,
        };
        await using var api = await ApiServer.StartAsync(null, env);
        var body = (await api.GetAsync("/runtime/go-pilot/rollback-readiness")).Body;
        Assert.Contains("\"mode\": \"enforce\"", body);
        Assert.Equal("cavra-runtime.go-backend-rollback-plan.json", Path.GetFileName(_evidence.RollbackPlanPath)); // the default name the folder finds
        Assert.Contains("\"status\": \"ready\"", body);
    }

    [Fact]
    public async Task The_environment_is_read_on_every_request_and_the_settings_file_overrides_it()
    {
        var env = new ConcurrentDictionary<string, string> { ["CAVRA_GO_BACKEND_MODE"] = "shadow", ["CAVRA_GO_ROLLBACK_PLAN"] = _evidence.RollbackPlanPath };
        await using (var api = await ApiServer.StartAsync(null, env))
        {
            var body = (await api.GetAsync("/runtime/go-pilot/rollback-readiness")).Body;
            Assert.Equal(RollbackReadinessReport.Evaluate(SettingsFile.Context(new GateParameters(), n => env.TryGetValue(n, out var v) ? v : null)).ToJson(), body);
            Assert.Contains("\"mode\": \"shadow\"", body);

            env["CAVRA_GO_BACKEND_MODE"] = "promoted";
            Assert.Contains("\"mode\": \"promoted\"", (await api.GetAsync("/runtime/go-pilot/rollback-readiness")).Body);
        }

        // A settings value wins over the variable, as a cmdlet parameter does; "" means "not configured".
        SettingsFile.Write(SettingsPath, new GateParameters { Mode = BackendMode.Enforce, RollbackPlanPath = "" });
        await using (var api = await ApiServer.StartAsync(SettingsPath, env))
        {
            var body = (await api.GetAsync("/runtime/go-pilot/rollback-readiness")).Body;
            Assert.Contains("\"mode\": \"enforce\"", body);
            Assert.Contains("\"rollback_plan_path\": \"\"", body);
            Assert.Contains("\"status\": \"not_requested\"", body);
        }
    }

    [Fact]
    public async Task Relative_paths_in_a_settings_file_resolve_against_its_folder()
    {
        File.WriteAllText(SettingsPath, "{\"mode\": \"shadow\", \"rollback_plan_path\": \"cavra-runtime.go-backend-rollback-plan.json\"}");
        await using var api = await ApiServer.StartAsync(SettingsPath);
        var body = (await api.GetAsync("/runtime/go-pilot/rollback-readiness")).Body;
        Assert.Equal(RollbackReadinessReport.Evaluate(SettingsFile.Context(new GateParameters { Mode = BackendMode.Shadow, RollbackPlanPath = _evidence.RollbackPlanPath })).ToJson(), body);
        Assert.Contains("\"status\": \"ready\"", body);
    }

    [Fact]
    public async Task Two_hundred_concurrent_requests_all_succeed_with_identical_bodies()
    {
        var parameters = _evidence.Parameters();
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, parameters));
        string expected = PromotionReadinessReport.Evaluate(SettingsFile.Context(parameters)).ToJson();

        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => api.GetAsync("/runtime/go-pilot/promotion-readiness")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(expected, answers[0].Body);
    }

    [Fact]
    public async Task Concurrent_requests_across_every_route_match_their_reports()
    {
        var parameters = _evidence.Parameters();
        await using var api = await ApiServer.StartAsync(SettingsFile.Write(SettingsPath, parameters));
        var expected = Expected.ToDictionary(e => e.Key, e => e.Value(SettingsFile.Context(parameters)).ToJson());

        var routes = Enumerable.Range(0, 200).Select(i => Expected.Keys.ElementAt(i % Expected.Count)).ToArray();
        var answers = await Task.WhenAll(routes.Select(r => api.GetAsync(r)));

        for (int i = 0; i < routes.Length; i++)
        {
            Assert.Equal(HttpStatusCode.OK, answers[i].Status);
            Assert.Equal(expected[routes[i]], answers[i].Body);
        }
    }
}
