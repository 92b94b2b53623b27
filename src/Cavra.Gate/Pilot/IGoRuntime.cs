using System;
using System.Threading;
using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Pilot
{
    /// <summary>The candidate backend as the pilot sees it: one request in, a decision object or a failure reason out.
    /// Implementations never throw; every failure is a reason for "go runtime failed: ...".</summary>
    public interface IGoRuntime
    {
        GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken);
    }

    /// <summary>
    /// An <see cref="IGoRuntime"/> whose requests can be started and collected later on the same thread, so one thread keeps
    /// several in flight without switching threads (the daemon transport). <c>Evaluate</c> is <c>Start(...).Finish()</c>.
    /// </summary>
    public interface IPipelinedGoRuntime : IGoRuntime
    {
        IGoRuntimeCall Start(ActionRequest request, GateConfig config, CancellationToken cancellationToken);
    }

    /// <summary>A runtime request in flight. Belongs to the thread that started it.</summary>
    public interface IGoRuntimeCall
    {
        /// <summary>The answer, if the request has finished, without waiting.</summary>
        bool TryFinish(out GoRuntimeAnswer answer);
        /// <summary>Waits for the answer; the request's own timeout and cancellation bound the wait.</summary>
        GoRuntimeAnswer Finish();
    }

    /// <summary>
    /// Optional for an <see cref="IGoRuntime"/> that holds state derived from the gate inputs (a daemon loads the policy
    /// and registry once, at start): the pilot calls it, on its own thread, each time it re-evaluates those inputs.
    /// </summary>
    public interface IGateInputsObserver
    {
        void GateInputsRefreshed(GateConfig config, InputFiles files);
    }

    public sealed class GoRuntimeAnswer
    {
        private GoRuntimeAnswer(JsonObject? decision, string failureReason, TimeSpan duration, string transport)
        { Decision = decision; FailureReason = failureReason; Duration = duration; Transport = transport ?? ""; }

        public JsonObject? Decision { get; }
        public string FailureReason { get; }
        public TimeSpan Duration { get; }
        /// <summary>Which transport answered or failed: "one-shot", "daemon", or "" when not said.</summary>
        public string Transport { get; }
        public bool Succeeded => Decision != null;

        public static GoRuntimeAnswer Answered(JsonObject decision, TimeSpan duration, string transport = "") => new GoRuntimeAnswer(decision, "", duration, transport);
        public static GoRuntimeAnswer Failed(string reason, TimeSpan duration, string transport = "") => new GoRuntimeAnswer(null, reason, duration, transport);
    }
}
