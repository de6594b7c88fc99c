"""Helpers shared by the lip-drive study scripts (scripts/lips-*.py): correlations, the engine's row blends and
normalisation, ffmpeg band loudness, and reading a job's audio-features.bin (rows as the engine wrote them)."""
import array, glob, json, math, struct, subprocess

CLIPS = ['bbaf2n', 'lbax4n', 'pwij3p']
WEIGHTS = [1, 2, 3, 2, 1]  # the engine's 1-2-3-2-1 blend over +-2 rows


def corr(x, y):
    """Pearson r over the pairs where both values are there; nan where either side does not vary."""
    p = [(a, b) for a, b in zip(x, y) if a is not None and b is not None]
    n = len(p); mx = sum(a for a, _ in p) / n; my = sum(b for _, b in p) / n
    sxy = sum((a - mx) * (b - my) for a, b in p); sxx = sum((a - mx) ** 2 for a, _ in p); syy = sum((b - my) ** 2 for _, b in p)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float('nan')


def vel(x): return [x[i + 1] - x[i] for i in range(len(x) - 1)]


def at(x, i): return x[min(len(x) - 1, max(0, i))]


def blend(x, centre=0):
    """The engine's 1-2-3-2-1 blend about row i + centre (ends held)."""
    return [sum(w * at(x, i + centre + k - 2) for k, w in enumerate(WEIGHTS)) / 9 for i in range(len(x))]


def standardise(x):
    m = sum(x) / len(x); s = math.sqrt(sum((v - m) ** 2 for v in x) / len(x))
    return [(v - m) / s if s > 0 else 0 for v in x]


def norm(x):
    """As MouthDriveStage.Normalise: dB put between the track's 10th and 97th percentiles (at least 6 dB apart)."""
    s = sorted(x); lo = s[int(0.1 * (len(s) - 1))]; hi = s[int(0.97 * (len(s) - 1))]; r = max(hi - lo, 6)
    return [min(1, max(0, (v - lo) / r)) for v in x]


def band_db(wav, audio_filter):
    """Loudness in dB per 20 ms row (320 samples at 16 kHz) of WAV through an ffmpeg audio filter chain."""
    raw = subprocess.run(['ffmpeg', '-nostdin', '-loglevel', 'error', '-i', wav, '-af', audio_filter, '-f', 'f32le', '-ac', '1', '-ar', '16000', '-'],
                         check=True, capture_output=True).stdout
    a = array.array('f'); a.frombytes(raw)
    return [10 * math.log10(sum(v * v for v in a[i * 320:(i + 1) * 320]) / 320 + 1e-10) for i in range(len(a) // 320)]


def band_loudness(wav, audio_filter):
    """The filter applied twice (4th order, as `Mouth/FormantBand`), normalised like the engine's loudness."""
    return norm(band_db(wav, audio_filter + ',' + audio_filter))


def features(work_dir):
    """The rows of the job's audio-features.bin under WORK_DIR: (dim, rows), each row a list of dim floats."""
    blob = open(glob.glob(f'{work_dir}/jobs/*/work/audio-features.bin')[0], 'rb').read()
    dim, count = struct.unpack('<iq', blob[8:20])
    values = array.array('f'); values.frombytes(blob[28:])
    return dim, [list(values[i * dim:(i + 1) * dim]) for i in range(count)]


def truth_curves(eval_json):
    """The truth curves (opening, width, rounding per frame) of a `swaptalk eval --truth --json` output."""
    return json.load(open(eval_json))['truth']['truthCurves']
