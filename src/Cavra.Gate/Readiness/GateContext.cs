using System;
using Cavra.Gate.Configuration;
using Cavra.Gate.Json;
using Cavra.Gate.Time;
using Cavra.Gate.FileSystem;

namespace Cavra.Gate.Readiness
{
    /// <summary>Everything a report needs: the configuration, the file system door and the clock.</summary>
    public sealed class GateContext
    {
        public GateContext(GateConfig config, InputFiles? files = null, TimeProvider? clock = null)
        {
            Config = config;
            Files = files ?? new InputFiles();
            Clock = clock ?? TimeProvider.System;
        }

        public GateConfig Config { get; }
        public InputFiles Files { get; }
        public TimeProvider Clock { get; }
    }
}
