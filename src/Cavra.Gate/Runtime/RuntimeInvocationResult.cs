using System;
using System.Collections.Generic;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;

namespace Cavra.Gate.Runtime
{
    /// <summary>
    /// Everything one one-shot invocation of <c>cavra-runtime</c> produced: the parsed decision object, or the failure
    /// reason (the text after <c>"go runtime failed: "</c>), plus diagnostics. Exactly one of <see cref="Decision"/> and a
    /// non-empty <see cref="FailureReason"/> is set.
    /// </summary>
    public sealed class RuntimeInvocationResult
    {
        private static readonly IReadOnlyList<string> NoArguments = new string[0];

        internal RuntimeInvocationResult(JsonObject? decision, string failureReason, TimeSpan duration, IReadOnlyList<string>? argv,
            int? processId, int? exitCode, bool timedOut, bool cancelled, string stderrExcerpt)
        {
            Decision = decision;
            FailureReason = failureReason;
            Duration = duration;
            Argv = argv ?? NoArguments;
            ProcessId = processId;
            ExitCode = exitCode;
            TimedOut = timedOut;
            Cancelled = cancelled;
            StderrExcerpt = stderrExcerpt;
        }

        /// <summary>The runtime's stdout as a JSON object (verbatim, pretty-printing dropped); null on failure.</summary>
        public JsonObject? Decision { get; }

        /// <summary>Empty on success; otherwise one of the reasons listed on <see cref="OneShotRuntimeClient"/>.</summary>
        public string FailureReason { get; }

        public bool Succeeded => Decision != null;

        /// <summary>Wall time from the call until the result was known (includes process start-up).</summary>
        public TimeSpan Duration { get; }

        /// <summary>The argv the runtime was started with, the resolved runtime path first; empty when nothing was started.</summary>
        public IReadOnlyList<string> Argv { get; }

        /// <summary>The runtime's process id; null when no process was started.</summary>
        public int? ProcessId { get; }

        /// <summary>The exit status when the runtime exited by itself; null when it was killed or never started.</summary>
        public int? ExitCode { get; }

        /// <summary>True when the deadline (<c>timeout_seconds</c>) expired and the process tree was killed.</summary>
        public bool TimedOut { get; }

        /// <summary>True when the caller's cancellation token stopped the evaluation (the process tree was killed).</summary>
        public bool Cancelled { get; }

        /// <summary>At most the first 4 KiB of stderr, decoded leniently and trimmed; for diagnostics only.</summary>
        public string StderrExcerpt { get; }

        /// <summary>The pilot's view: the decision or the failure reason, and the duration.</summary>
        public GoRuntimeAnswer ToAnswer() =>
            Decision != null ? GoRuntimeAnswer.Answered(Decision, Duration, OneShotRuntimeClient.Transport)
                : GoRuntimeAnswer.Failed(FailureReason, Duration, OneShotRuntimeClient.Transport);

        public override string ToString() => Succeeded ? "answered" : "go runtime failed: " + FailureReason;
    }
}
