namespace Kis.Realtime.Gateway.Internal;

/// <summary>
/// The arithmetic of max-min fairness between broker users when every registration is taken (issue 45): who yields a
/// registration to a user asking for one more. Pure: <see cref="RegistrationTable"/> counts under the manager's lock and
/// asks; this type holds no state.
/// </summary>
internal static class FairShare
{
    /// <summary>
    /// The user that yields to <paramref name="requester"/>: of the users that could give one up, the one counted for the
    /// most registrations, ties going to the one whose yieldable registration is newest; and only when it holds more than
    /// the requester would hold with one more (so it still holds at least as many after). Null when nobody is over the
    /// requester's share: the shares are equal (within one) and the request is refused.
    /// </summary>
    /// <param name="held">Registrations counted against each user (the requester's too, when it holds any).</param>
    /// <param name="yieldable">Per user that could yield: the creation number of its newest registration that it alone
    /// holds (the higher, the newer). A user absent here yields nothing, whatever it holds.</param>
    /// <param name="requester">The user asking for one more registration.</param>
    public static string? WhoYields(IReadOnlyDictionary<string, int> held, IReadOnlyDictionary<string, long> yieldable, string requester)
    {
        string? from = null;
        foreach (var (user, newest) in yieldable)
        {
            if (user == requester) continue;
            var count = held.GetValueOrDefault(user);
            if (from is null || count > held.GetValueOrDefault(from) || (count == held.GetValueOrDefault(from) && newest > yieldable[from]))
                from = user;
        }
        return from is not null && held.GetValueOrDefault(from) > held.GetValueOrDefault(requester) + 1 ? from : null;
    }
}
