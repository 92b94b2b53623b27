namespace Cavra.Gate.Runtime
{
    /// <summary>How the pilot reaches <c>cavra-runtime</c>: one process per action, or a daemon over a Unix socket.</summary>
    public enum GoRuntimeTransport { OneShot, Daemon }

    /// <summary>The transport setting: a parameter, else <c>CAVRA_GO_RUNTIME_TRANSPORT</c>, else one-shot. This module's own
    /// variable (upstream has no daemon transport in its pilot); an unrecognised value means one-shot, with a note.</summary>
    public static class GoRuntimeTransportSetting
    {
        public const string Variable = "CAVRA_GO_RUNTIME_TRANSPORT";

        public static GoRuntimeTransport Resolve(GoRuntimeTransport? given, string? environment, out string source, out string? note)
        {
            note = null;
            if (given.HasValue) { source = "parameter"; return given.Value; }
            if (environment == null) { source = "default"; return GoRuntimeTransport.OneShot; }
            source = "environment " + Variable;
            switch (environment.Trim().ToLowerInvariant())
            {
                case "daemon": return GoRuntimeTransport.Daemon;
                case "oneshot":
                case "one-shot":
                case "one_shot":
                case "": return GoRuntimeTransport.OneShot;
                default:
                    note = $"{Variable}='{environment}' is not one-shot or daemon; one-shot is used";
                    return GoRuntimeTransport.OneShot;
            }
        }
    }
}
