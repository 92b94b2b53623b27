using System;
using System.Threading;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;

namespace Cavra.Gate.Pilot
{
    /// <summary>The candidate backend as the pilot sees it: one request in, a decision object or a failure reason out.
    /// Implementations never throw; every failure is a reason for "go runtime failed: ...".</summary>
    public interface IGoRuntime
    {
        GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken);
    }

    public sealed class GoRuntimeAnswer
    {
        private GoRuntimeAnswer(JsonObject? decision, string failureReason, TimeSpan duration)
        { Decision = decision; FailureReason = failureReason; Duration = duration; }

        public JsonObject? Decision { get; }
        public string FailureReason { get; }
        public TimeSpan Duration { get; }
        public bool Succeeded => Decision != null;

        public static GoRuntimeAnswer Answered(JsonObject decision, TimeSpan duration) => new GoRuntimeAnswer(decision, "", duration);
        public static GoRuntimeAnswer Failed(string reason, TimeSpan duration) => new GoRuntimeAnswer(null, reason, duration);
    }
}
