using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

namespace Cavra.Benchmarks
{
    /// <summary>The scenarios both modes run: <c>execute_command</c> decisions under the baseline pack and under compiled_policy.json.</summary>
    public static class Scenarios
    {
        /// <summary>A mix over every outcome: allow (first and last allow pattern), block (critical and high), default approval.</summary>
        public static readonly string[] BaselineCommands =
        {
            "terraform plan -out tfplan",
            "npm test -- --coverage",
            "terraform apply -auto-approve",
            "git push origin master",
            "rm -rf /tmp/important",
            "  pytest tests/test_runtime.py  ",
            "kubectl get pods -n prod",
            "gcloud projects add-iam-policy-binding my-project --member user:x",
        };

        public static readonly string[] CompiledCommands =
        {
            "custom scan --check",
            "dangerous mutate --all",
            "terraform plan",
            "custom scanner",
        };

        public static ActionRequest[] Requests(string[] commands, string pack)
        {
            var requests = new ActionRequest[commands.Length];
            for (int i = 0; i < commands.Length; i++)
                requests[i] = new ActionRequest { ActionType = "execute_command", Target = commands[i], PolicyPack = pack, SessionId = "bench" };
            return requests;
        }

        /// <summary>compiled_policy.json from the vendored conformance data (tests/conformance; walk up to Cavra.PowerShell.sln).</summary>
        public static CompiledPolicy LoadCompiledPolicy()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir != null && !File.Exists(Path.Combine(dir.FullName, "Cavra.PowerShell.sln"))) dir = dir.Parent;
            if (dir == null) throw new InvalidOperationException("Cavra.PowerShell.sln not found above " + AppContext.BaseDirectory);
            string path = Path.Combine(dir.FullName, "tests", "conformance", "compiled_policy.json");
            if (!File.Exists(path)) throw new InvalidOperationException("compiled policy fixture not found: " + path);
            if (!StrictJsonParser.TryParse(File.ReadAllBytes(path), out var json, out var parseError)) throw new InvalidOperationException(path + ": " + parseError);
            if (!CompiledPolicy.TryLoad(json, out var policy, out var error)) throw new InvalidOperationException(path + ": " + error);
            return policy;
        }
    }

    [MemoryDiagnoser]
    public class ExecuteCommandBenchmarks
    {
        private DecisionEngine _builtIn = null!;
        private DecisionEngine _compiled = null!;
        private ActionRequest[] _baseline = null!;
        private ActionRequest[] _compiledRequests = null!;
        private ActionRequest _allow = null!, _block = null!, _approval = null!;

        [GlobalSetup]
        public void Setup()
        {
            _builtIn = new DecisionEngine();
            _compiled = new DecisionEngine(Scenarios.LoadCompiledPolicy());
            _baseline = Scenarios.Requests(Scenarios.BaselineCommands, "cavra-ai-agent-baseline");
            _compiledRequests = Scenarios.Requests(Scenarios.CompiledCommands, "");
            _allow = _baseline[0];
            _block = _baseline[2];
            _approval = _baseline[4];
        }

        [Benchmark(OperationsPerInvoke = 8, Baseline = true, Description = "baseline pack, mixed commands")]
        public string BaselineMixed()
        {
            string last = "";
            var requests = _baseline;
            for (int i = 0; i < requests.Length; i++) last = _builtIn.Evaluate(requests[i]).RuleId;
            return last;
        }

        [Benchmark(Description = "baseline pack, allow (terraform plan)")]
        public Decision BaselineAllow() => _builtIn.Evaluate(_allow);

        [Benchmark(Description = "baseline pack, block (terraform apply)")]
        public Decision BaselineBlock() => _builtIn.Evaluate(_block);

        [Benchmark(Description = "baseline pack, default approval")]
        public Decision BaselineApproval() => _builtIn.Evaluate(_approval);

        [Benchmark(OperationsPerInvoke = 4, Description = "compiled_policy.json, mixed commands")]
        public string CompiledMixed()
        {
            string last = "";
            var requests = _compiledRequests;
            for (int i = 0; i < requests.Length; i++) last = _compiled.Evaluate(requests[i]).RuleId;
            return last;
        }
    }

    [MemoryDiagnoser]
    public class PatternMatcherBenchmarks
    {
        private readonly PatternMatcher _prefix = PatternMatcher.Compile("terraform plan*");
        private readonly PatternMatcher _infix = PatternMatcher.Compile("kubectl apply*--context*prod*");

        [Benchmark]
        public bool PrefixHit() => _prefix.IsMatch("terraform plan -out tfplan");

        [Benchmark]
        public bool PrefixMiss() => _prefix.IsMatch("rm -rf /tmp/important");

        [Benchmark]
        public bool Infix() => _infix.IsMatch("kubectl apply -f deploy.yaml --context prod");
    }
}
