using Cavra.Gate.Configuration;
using Cavra.Gate.Decisions;
using Cavra.Gate.Json;
using Cavra.Gate.Pilot;
using Cavra.Gate.Readiness;
using Cavra.Gate.Tests.Gate;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;
using Microsoft.Extensions.Time.Testing;

namespace Cavra.Gate.Tests.Pilot;

/// <summary>A thread-safe runtime double that answers with the built-in decision after a random pause and counts concurrency.</summary>
internal sealed class ConcurrentRuntime : IGoRuntime
{
    private int _inFlight;
    private AuthoritativeEngine? _engine;
    private int _calls;
    public int MaxInFlight;
    public int Calls => _calls;
    public readonly System.Collections.Concurrent.ConcurrentBag<int> Threads = new();

    public GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        int now = Interlocked.Increment(ref _inFlight);
        int seen;
        while ((seen = MaxInFlight) < now && Interlocked.CompareExchange(ref MaxInFlight, now, seen) != seen) { }
        Threads.Add(Environment.CurrentManagedThreadId);
        Thread.Sleep(Random.Shared.Next(0, 4));
        var decision = (_engine ??= AuthoritativeEngine.Load(new InputFiles(), config.PolicyPath, config.RegistryPath, TimeProvider.System)).Evaluate(request);
        Interlocked.Decrement(ref _inFlight);
        return GoRuntimeAnswer.Answered((JsonObject)StrictJsonParser.Parse(decision.ToRuntimeJson()), TimeSpan.FromMilliseconds(1), "test");
    }
}

public sealed class PilotStreamTests : IDisposable
{
    private readonly EvidenceSet _set = new();
    public void Dispose() => _set.Dispose();

    private PilotEvaluator Pilot(IGoRuntime runtime, BackendMode mode = BackendMode.Shadow) =>
        new(_set.Context(_set.Parameters(mode), new FakeTimeProvider(EvidenceSet.Now)), runtime);

    private static List<EvaluationRecord> Drive(PilotStream stream, int count)
    {
        var records = new List<EvaluationRecord>();
        for (int i = 0; i < count; i++)
        {
            stream.Submit(new ActionRequest { ActionType = "execute_command", Target = "pytest -k case" + i });
            while (stream.TryTake(out var done)) records.Add(done);
            while (stream.Pending >= stream.Window) records.Add(stream.Take());
        }
        while (stream.Pending > 0) records.Add(stream.Take());
        return records;
    }

    [Fact]
    public void Records_come_out_in_input_order_with_at_most_the_bound_in_flight()
    {
        var runtime = new ConcurrentRuntime();
        var pilot = Pilot(runtime);
        using var stream = new PilotStream(pilot, 4);
        var records = Drive(stream, 300);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => "pytest -k case" + i), records.Select(r => r.Request.Target));
        Assert.All(records, r => Assert.True(r.ParityMatch));
        Assert.InRange(runtime.MaxInFlight, 2, 4);
        Assert.Equal(300, runtime.Calls);
        Assert.Equal(1, pilot.GateEvaluations); // the gate once for the whole stream
    }

    [Fact]
    public void One_in_flight_evaluates_on_the_calling_thread()
    {
        var runtime = new ConcurrentRuntime();
        using var stream = new PilotStream(Pilot(runtime), 1);
        var records = Drive(stream, 20);
        Assert.Equal(20, records.Count);
        Assert.Equal(new[] { Environment.CurrentManagedThreadId }, runtime.Threads.Distinct());
        Assert.Equal(1, runtime.MaxInFlight);
    }

    [Fact]
    public void Actions_that_do_not_call_the_runtime_keep_their_place()
    {
        var runtime = new ConcurrentRuntime();
        using var stream = new PilotStream(Pilot(runtime, BackendMode.Disabled), 4);
        var records = Drive(stream, 50);
        Assert.Equal(0, runtime.Calls);
        Assert.All(records, r => Assert.Equal(PilotEvaluator.DisabledReason, r.FallbackReason));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => "pytest -k case" + i), records.Select(r => r.Request.Target));
    }

    [Fact]
    public void A_runtime_that_throws_fails_closed()
    {
        var pilot = Pilot(new ThrowingRuntime());
        using var stream = new PilotStream(pilot, 2);
        var r = Drive(stream, 3);
        Assert.All(r, x => Assert.Equal("go runtime failed: unexpected error: boom", x.FallbackReason));
    }

    [Fact]
    public void A_pipelined_runtime_is_driven_from_the_submitting_thread_with_at_most_the_bound_outstanding()
    {
        var runtime = new PipelinedRuntime();
        var pilot = Pilot(runtime);
        using var stream = new PilotStream(pilot, 6);
        var records = Drive(stream, 200);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => "pytest -k case" + i), records.Select(r => r.Request.Target));
        Assert.All(records, r => Assert.True(r.ParityMatch));
        Assert.Equal(new[] { Environment.CurrentManagedThreadId }, runtime.Threads.Distinct());
        Assert.InRange(runtime.MaxOutstanding, 2, 6);
    }

    /// <summary>Answers become ready a few polls after they start; counts calls started and not yet collected.</summary>
    private sealed class PipelinedRuntime : IPipelinedGoRuntime
    {
        private AuthoritativeEngine? _engine;
        public int Outstanding, MaxOutstanding;
        public readonly List<int> Threads = new();

        public GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken) => Start(request, config, cancellationToken).Finish();

        public IGoRuntimeCall Start(ActionRequest request, GateConfig config, CancellationToken cancellationToken)
        {
            Threads.Add(Environment.CurrentManagedThreadId);
            MaxOutstanding = Math.Max(MaxOutstanding, ++Outstanding);
            var decision = (_engine ??= AuthoritativeEngine.Load(new InputFiles(), config.PolicyPath, config.RegistryPath, TimeProvider.System)).Evaluate(request);
            return new Call(this, GoRuntimeAnswer.Answered((JsonObject)StrictJsonParser.Parse(decision.ToRuntimeJson()), TimeSpan.Zero, "test"), Random.Shared.Next(0, 3));
        }

        private sealed class Call : IGoRuntimeCall
        {
            private readonly PipelinedRuntime _owner;
            private readonly GoRuntimeAnswer _answer;
            private int _pollsLeft;
            private bool _done;
            public Call(PipelinedRuntime owner, GoRuntimeAnswer answer, int polls) { _owner = owner; _answer = answer; _pollsLeft = polls; }
            public bool TryFinish(out GoRuntimeAnswer answer)
            {
                _owner.Threads.Add(Environment.CurrentManagedThreadId);
                answer = _answer;
                if (_pollsLeft-- > 0) return false;
                return Done();
            }
            public GoRuntimeAnswer Finish() { Done(); return _answer; }
            private bool Done() { if (!_done) { _done = true; _owner.Outstanding--; } return true; }
        }
    }

    private sealed class ThrowingRuntime : IGoRuntime
    {
        public GoRuntimeAnswer Evaluate(ActionRequest request, GateConfig config, CancellationToken cancellationToken) => throw new InvalidOperationException("boom");
    }
}
