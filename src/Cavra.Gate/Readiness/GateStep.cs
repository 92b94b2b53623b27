namespace Cavra.Gate.Readiness
{
    /// <summary>The promoted-mode gate's steps in their fixed order (docs/design/readiness.md §10.1).</summary>
    public enum GateStep { None, Runtime, Promotion, Rollback, RollbackRehearsal, RollbackDrillHistory, RollbackDrillSchedule }

    /// <summary>The seven section reports, one per /runtime/go-pilot/* readiness route.</summary>
    public enum ReadinessSection { Runtime, Deployment, Promotion, Rollback, RollbackRehearsal, RollbackDrillHistory, RollbackDrillSchedule }
}
