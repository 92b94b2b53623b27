using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Readiness;
using Cavra.Gate.Runtime;
using Cavra.Gate.Serialization;
using Cavra.Gate.Tests.Decisions;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Tests.Runtime;

/// <summary>Four stand-in daemons: built-in or compiled policy, each without and with the conformance registry.</summary>
public sealed class TransportFixture : IDisposable
{
    public DaemonScope Scope { get; } = new();
    public string Policy { get; } = Conformance.PathOf("compiled_policy.json");
    public string Registry { get; } = Conformance.PathOf("mcp_registry.json");
    private readonly Dictionary<(bool, bool), GoRuntimeDaemon> _daemons = new();

    public GoRuntimeDaemon Daemon(bool compiled, bool registry)
    {
        lock (_daemons)
        {
            if (!_daemons.TryGetValue((compiled, registry), out var d))
                _daemons[(compiled, registry)] = d = Scope.Start(Scope.Options(policy: compiled ? Policy : "", registry: registry ? Registry : ""));
            return d;
        }
    }

    public OneShotRuntimeClient OneShot() => new(new InputFiles(Scope.Dir));

    public void Dispose() => Scope.Dispose();
}

/// <summary>Every conformance fixture decides the same over both transports, down to the evaluation record.</summary>
[Collection("daemon")]
public sealed class TransportConformanceTests : IClassFixture<TransportFixture>
{
    private readonly TransportFixture _f;
    public TransportConformanceTests(TransportFixture fixture) { _f = fixture; }

    public static IEnumerable<object[]> Cases()
    {
        foreach (var file in new[] { "parity_cases.json", "release_governance_records.json", "release_governance_contracts.json" })
            foreach (var name in Conformance.CaseNames(file))
                yield return new object[] { file, name[0] };
    }

    private static (ActionRequest Request, JsonObject Expected, bool Registry) Load(string file, string name)
    {
        var c = Conformance.Case(file, name);
        Assert.True(ActionRequest.TryParse(c.Get("request")!, out var request, out var error), error);
        return (request, (JsonObject)c.Get("expected")!, Conformance.Text(c, "registry").Length > 0);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Same_decision_over_both_transports(string file, string name)
    {
        var (request, expected, registry) = Load(file, name);
        var config = GoRuntimeDaemonTests.Config(registry: registry ? _f.Registry : "");
        var oneShot = _f.OneShot().Evaluate(request, config, default);
        var daemon = new DaemonRuntimeClient(_f.Daemon(false, registry), _f.OneShot()).Evaluate(request, config, default);
        Assert.True(oneShot.Succeeded, oneShot.FailureReason);
        Assert.True(daemon.Succeeded, daemon.FailureReason);
        Assert.Equal(DaemonContractTests.Strip(oneShot.Decision!), DaemonContractTests.Strip(daemon.Decision!));
        Assert.Equal(request.ActionType == "mcp_tool_call" || request.Record?.Get("approval") != null ? "one-shot" : "daemon", daemon.Transport);
        foreach (var key in new[] { "decision", "rule_id", "severity" })
            Assert.Equal(Conformance.Text(expected, key), ((JsonString)daemon.Decision!.Get(key)!).Value);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Same_evaluation_record_over_both_transports(string file, string name)
    {
        var (request, _, registry) = Load(file, name);
        string Record(IGoRuntime runtime)
        {
            var config = GoRuntimeDaemonTests.Config(policy: _f.Policy, registry: registry ? _f.Registry : "", mode: BackendMode.Enforce);
            var pilot = new PilotEvaluator(new GateContext(config, new InputFiles(_f.Scope.Dir), Conformance.Clock()), runtime);
            var record = pilot.Evaluate(request.Clone());
            Assert.True(record.GoDecision != null, record.FallbackReason);
            return DaemonContractTests.Strip((JsonObject)StrictJsonParser.Parse(CanonicalJsonWriter.Serialize(record)));
        }
        Assert.Equal(Record(_f.OneShot()), Record(new DaemonRuntimeClient(_f.Daemon(true, registry), _f.OneShot())));
    }

    [Theory]
    [InlineData("{\"action_type\":\"read_file\",\"target\":\"config/prod.secret\"}")]
    [InlineData("{\"action_type\":\"execute_command\",\"target\":\"custom scan --check\"}")]
    [InlineData("{\"action_type\":\"mcp_tool_call\",\"server\":\"unknown-provider\",\"tool\":\"read_file\",\"capability\":\"filesystem\"}")]
    [InlineData("{\"session_id\":\"compiled-approval\",\"action_type\":\"write_file\",\"target\":\"iam/admin-role.tf\"}")]
    public void Compiled_policy_cases_give_the_same_record_over_both_transports(string json)
    {
        var request = DaemonContractTests.Build(json);
        string Record(IGoRuntime runtime)
        {
            var config = GoRuntimeDaemonTests.Config(policy: _f.Policy, mode: BackendMode.Shadow);
            var record = new PilotEvaluator(new GateContext(config, new InputFiles(_f.Scope.Dir), Conformance.Clock()), runtime).Evaluate(request.Clone());
            Assert.True(record.ParityMatch, record.FallbackReason);
            Assert.Equal("cavra-go-compiled-fixture", ((JsonString)record.GoDecision!.Get("policy_pack")!).Value);
            return DaemonContractTests.Strip((JsonObject)StrictJsonParser.Parse(CanonicalJsonWriter.Serialize(record)));
        }
        Assert.Equal(Record(_f.OneShot()), Record(new DaemonRuntimeClient(_f.Daemon(true, false), _f.OneShot())));
    }
}
