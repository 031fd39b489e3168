namespace Kis.Realtime.Protocol;

/// <summary>The customer type sent as <c>custtype</c>.</summary>
public enum CustomerType
{
    /// <summary>"P": personal (개인).</summary>
    Personal,
    /// <summary>"B": corporate (법인).</summary>
    Corporate,
}
