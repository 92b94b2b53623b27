using System;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

namespace Cavra.Gate.Pilot
{
    /// <summary>
    /// The built-in engine loaded with the same inputs the runtime is given (spec README §1): the compiled policy and
    /// trust registry when configured, the built-in packs otherwise. A configured input that cannot be loaded does not
    /// silently fall back to the built-in packs: every decision fails closed (block) and says why.
    /// </summary>
    public sealed class AuthoritativeEngine
    {
        public const string UnavailableRuleId = "runtime.policy.unavailable";

        private AuthoritativeEngine(DecisionEngine? engine, string problem) { Engine = engine; Problem = problem; }

        public DecisionEngine? Engine { get; }
        /// <summary>Why the configured policy or registry could not be used, or "".</summary>
        public string Problem { get; }

        public static AuthoritativeEngine Load(InputFiles files, string policyPath, string registryPath, Time.Clock clock)
        {
            CompiledPolicy? policy = null;
            TrustRegistry? registry = null;
            if (policyPath.Length > 0)
            {
                var read = files.ReadObject(policyPath);
                if (!read.Valid) return Unavailable($"compiled policy {policyPath}: {read.Message}");
                if (!CompiledPolicy.TryLoad(read.Payload, out policy, out var error)) return Unavailable($"compiled policy {policyPath}: {error}");
            }
            if (registryPath.Length > 0)
            {
                var read = files.ReadObject(registryPath);
                if (!read.Valid) return Unavailable($"trust registry {registryPath}: {read.Message}");
                if (!TrustRegistry.TryLoad(read.Payload, out registry, out var error)) return Unavailable($"trust registry {registryPath}: {error}");
            }
            return new AuthoritativeEngine(new DecisionEngine(policy, registry, clock), "");
        }

        private static AuthoritativeEngine Unavailable(string problem) => new AuthoritativeEngine(null, problem);

        public Decision Evaluate(ActionRequest request)
        {
            if (Engine != null) return Engine.Evaluate(request);
            return Decision.FailClosed(request, UnavailableRuleId, "critical", "Policy could not be loaded; failing closed: " + Problem);
        }
    }
}
