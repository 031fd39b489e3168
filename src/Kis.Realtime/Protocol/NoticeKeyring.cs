namespace Kis.Realtime.Protocol;

/// <summary>
/// The notice keys of one session, per TR id. KIS issues fresh keys with every SUBSCRIBE SUCCESS, and they die with
/// the session: call <see cref="Clear"/> when a connection is re-established.
/// </summary>
internal sealed class NoticeKeyring : IDisposable
{
    private readonly Dictionary<TrId, (string Key, string Iv, NoticeCipher Cipher)> _ciphers = new();
    private readonly Lock _gate = new();

    /// <summary>Stores (or replaces) the key and iv for a TR. Invalid lengths are ignored and reported as false.</summary>
    public bool Set(TrId trId, string key, string iv)
    {
        NoticeCipher cipher;
        try
        {
            cipher = new NoticeCipher(key, iv);
        }
        catch (ArgumentException)
        {
            return false;
        }

        lock (_gate)
        {
            if (_ciphers.TryGetValue(trId, out var old))
            {
                if (old.Key == key && old.Iv == iv)
                {
                    cipher.Dispose();
                    return true;
                }
                old.Cipher.Dispose();
            }
            _ciphers[trId] = (key, iv, cipher);
        }
        return true;
    }

    /// <summary>The cipher for a TR, if its key has been seen.</summary>
    public bool TryGet(TrId trId, out NoticeCipher cipher)
    {
        lock (_gate)
        {
            if (_ciphers.TryGetValue(trId, out var entry))
            {
                cipher = entry.Cipher;
                return true;
            }
        }
        cipher = null!;
        return false;
    }

    /// <summary>Forgets every key (a new session brings new keys).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (var entry in _ciphers.Values) entry.Cipher.Dispose();
            _ciphers.Clear();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Clear();
}
