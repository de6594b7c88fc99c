namespace SwapTalk.Core.Imaging;

/// <summary>Index arithmetic for samples that fall outside an image.</summary>
internal static class BorderIndex
{
    /// <summary>Mirror index for BORDER_REFLECT_101 (... 2 1 | 0 1 2 ... n-1 | n-2 ...), in O(1) however far out.</summary>
    public static int Reflect101(int i, int n)
    {
        if (n == 1) return 0;
        var period = 2 * n - 2;
        i = Math.Abs(i) % period;
        return i < n ? i : period - i;
    }
}
