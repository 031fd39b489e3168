namespace Kis.Realtime.Simulator;

/// <summary>
/// The simulator's state file (<see cref="SimulatorOptions.StateFile"/>) cannot be used: another simulator holds it, it
/// cannot be read, or it is not a state file this version wrote. The message names the file and what to do; the
/// simulator does not start (it neither crashes on the file nor starts a new day over it without saying so).
/// </summary>
public sealed class KisSimulatorStateException : Exception
{
    /// <summary>A failure with its cause.</summary>
    public KisSimulatorStateException(string message, Exception? inner = null) : base(message, inner) { }
}
