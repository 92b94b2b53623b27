using System;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Pilot
{
    /// <summary>
    /// The built-in engine loaded with the same inputs the runtime is given (docs/design/decisions.md §3.4): the compiled policy and
    /// trust registry when configured, the built-in packs otherwise. A configured input that cannot be loaded does not
    /// silently fall back to the built-in packs: every decision fails closed (block) and says why.
    /// </summary>
    public sealed class AuthoritativeEngine
    {
        public const string UnavailableRuleId = "runtime.policy.unavailable";

        private readonly TimeProvider _clock;

        private AuthoritativeEngine(DecisionEngine? engine, string problem, TimeProvider clock) { Engine = engine; Problem = problem; _clock = clock; }

        public DecisionEngine? Engine { get; }
        /// <summary>Why the configured policy or registry could not be used, or "".</summary>
        public string Problem { get; }

        public static AuthoritativeEngine Load(InputFiles files, string policyPath, string registryPath, TimeProvider clock)
        {
            CompiledPolicy? policy = null;
            TrustRegistry? registry = null;
            if (policyPath.Length > 0)
            {
                var read = files.ReadObject(policyPath);
                if (!read.Valid) return Unavailable($"compiled policy {policyPath}: {read.Message}", clock);
                if (!CompiledPolicy.TryLoad(read.Payload, out policy, out var error)) return Unavailable($"compiled policy {policyPath}: {error}", clock);
            }
            if (registryPath.Length > 0)
            {
                var read = files.ReadObject(registryPath);
                if (!read.Valid) return Unavailable($"trust registry {registryPath}: {read.Message}", clock);
                if (!TrustRegistry.TryLoad(read.Payload, out registry, out var error)) return Unavailable($"trust registry {registryPath}: {error}", clock);
            }
            return new AuthoritativeEngine(new DecisionEngine(policy, registry, clock), "", clock);
        }

        private static AuthoritativeEngine Unavailable(string problem, TimeProvider clock) => new AuthoritativeEngine(null, problem, clock);

        public Decision Evaluate(ActionRequest request)
        {
            if (Engine != null) return Engine.Evaluate(request);
            return Decision.FailClosed(request, UnavailableRuleId, "critical", "Policy could not be loaded; failing closed: " + Problem, _clock);
        }
    }
}
