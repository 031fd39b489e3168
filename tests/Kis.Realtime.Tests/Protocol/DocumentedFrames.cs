using System.Text;

namespace Kis.Realtime.Tests.Protocol;

/// <summary>The frames and records published in docs/kis-protocol.md §7 (KIS's own examples).</summary>
internal static class DocumentedFrames
{
    public const string IndexTickRecord = "0001^091240^2624.54^2^32.68^63952^1650684^439^10335^1.26^2615.72^2624.82^2610.00^23.86^2^32.96^2^18.14^2^0.92^" +
        "1.27^0.70^0^670^72^177^0^0^0^19";
    public const string IndexTickFrame = "0|H0UPCNT0|001|" + IndexTickRecord;
    public const string BondTradeRecord = "KR103502GD31^국고03250-5303(23-2)^131743^2^5.00^0.05^10575.00^1^10525.00^10578.00^10525.00^0.00^3.012^3.037^3.010^" +
        "3.037^6594124^9874082^2";
    public const string ProgramTradeRecord = "005930^092237^1413444^109159646900^1189408^91931710200^-224036^-17227936700^65033^15475^-49558";
    public const string NoticeRecord = "abcd1234^1234567803^0000001666^^02^0^0^111V06^0000000002^007840000^095835^0^2^2^00950^000000000^김한국^삼성전자   F " +
        "2^^^^000000000";

    public const string Key = "abcdefghijklmnopabcdefghijklmnop";
    public const string Iv = "0123456789abcdef";

    public static string SuccessReply(string trId, string trKey) =>
        "{\"header\":{\"tr_id\":\"" + trId + "\",\"tr_key\":\"" + trKey
        + "\",\"encrypt\":\"Y\"},\"body\":{\"rt_cd\":\"0\",\"msg_cd\":\"OPSP0000\",\"msg1\":\"SUBSCRIBE SUCCESS\",\"output\":{\"iv\":\"" + Iv + "\",\"key\":\""
            + Key + "\"}}}";

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>Encrypts with an independent AES call (not the library's cipher) the way KIS does.</summary>
    public static string EncryptIndependently(string plaintext, string key = Key, string iv = Iv)
    {
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = Encoding.UTF8.GetBytes(key);
        var cipher = aes.EncryptCbc(Encoding.UTF8.GetBytes(plaintext), Encoding.UTF8.GetBytes(iv));
        return Convert.ToBase64String(cipher);
    }

    public static string Repeat(string record, int count) => string.Join("^", Enumerable.Repeat(record, count));
}
