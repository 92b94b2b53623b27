using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using Cavra.Gate.Decisions;

namespace Cavra.Gate.Pilot
{
    /// <summary>
    /// A stream of actions through one <see cref="PilotEvaluator"/>, in order, with up to <see cref="MaxInFlight"/> runtime
    /// requests at once. The built-in decision and the gate run on the submitting thread (<see cref="PilotEvaluator.Begin"/>);
    /// runtime calls run on a few worker threads; records come out in submission order. With one request in flight there
    /// are no workers and each action is evaluated on the submitting thread, exactly as <see cref="PilotEvaluator.Evaluate"/>.
    /// The submitting side (Submit, TryTake, Take) belongs to one thread.
    /// </summary>
    public sealed class PilotStream : IDisposable
    {
        private sealed class Slot
        {
            public Slot(PendingEvaluation pending) { Pending = pending; }
            public PendingEvaluation Pending { get; }
            public volatile EvaluationRecord? Result;
        }

        private readonly PilotEvaluator _pilot;
        private readonly CancellationToken _cancellation;
        private readonly Queue<Slot> _order = new Queue<Slot>();
        private readonly BlockingCollection<Slot> _work = new BlockingCollection<Slot>(new ConcurrentQueue<Slot>());
        private readonly object _signal = new object();
        private readonly List<Thread> _workers = new List<Thread>();

        public PilotStream(PilotEvaluator pilot, int maxInFlight, CancellationToken cancellationToken = default)
        {
            if (maxInFlight < 1) throw new ArgumentOutOfRangeException(nameof(maxInFlight), "at least one request in flight");
            _pilot = pilot;
            MaxInFlight = maxInFlight;
            _cancellation = cancellationToken;
        }

        public int MaxInFlight { get; }
        /// <summary>Submitted and not yet taken.</summary>
        public int Pending => _order.Count;
        /// <summary>How many actions a caller should let queue before taking: enough to keep every worker busy.</summary>
        public int Window => MaxInFlight == 1 ? 1 : MaxInFlight * 2;

        public void Submit(ActionRequest request)
        {
            var pending = _pilot.Begin(request);
            var slot = new Slot(pending);
            if (!pending.CallsRuntime) slot.Result = pending.Record;
            else if (MaxInFlight == 1) slot.Result = Run(slot);
            else
            {
                EnsureWorkers();
                _work.Add(slot);
            }
            _order.Enqueue(slot);
        }

        /// <summary>The oldest record, if it is complete.</summary>
        public bool TryTake(out EvaluationRecord record)
        {
            record = null!;
            if (_order.Count == 0 || _order.Peek().Result == null) return false;
            record = _order.Dequeue().Result!;
            return true;
        }

        /// <summary>The oldest record, waiting for it. Runtime calls end on their own timeout or on cancellation.</summary>
        public EvaluationRecord Take()
        {
            if (_order.Count == 0) throw new InvalidOperationException("nothing was submitted");
            var head = _order.Peek();
            if (head.Result == null)
            {
                lock (_signal)
                    while (head.Result == null) Monitor.Wait(_signal, 100);
            }
            _order.Dequeue();
            return head.Result!;
        }

        public void Dispose()
        {
            _work.CompleteAdding();
        }

        private EvaluationRecord Run(Slot slot)
        {
            GoRuntimeAnswer answer;
            try { answer = _pilot.Runtime.Evaluate(slot.Pending.Request, slot.Pending.Config, _cancellation); }
            catch (Exception ex) { answer = GoRuntimeAnswer.Failed("unexpected error: " + ex.Message, TimeSpan.Zero); } // fail closed
            return PilotEvaluator.Complete(slot.Pending, answer);
        }

        private void EnsureWorkers()
        {
            if (_workers.Count > 0) return;
            for (int i = 0; i < MaxInFlight; i++)
            {
                var t = new Thread(Work) { IsBackground = true, Name = "cavra-pilot-" + i };
                _workers.Add(t);
                t.Start();
            }
        }

        private void Work()
        {
            foreach (var slot in _work.GetConsumingEnumerable())
            {
                slot.Result = Run(slot);
                lock (_signal) Monitor.PulseAll(_signal);
            }
        }
    }
}
