/**
 * Kernels in one WebAssembly SIMD module that read and write the tensors of tfjs's wasm backend in
 * place (its memory imported): where tfjs forms an operation from many kernels, each a pass over
 * memory on one thread with a per-kernel cost, the module makes one pass. Where the backend's memory
 * is shared (its threaded build, in Node), a kernel may split its work over worker threads
 * (`Call.parallel`) in units whose numbers do not depend on the thread, so its results are the same
 * at any thread count. The bytes are wasm-kernels.wat beside
 * this file assembled with wabt (`npx -p wabt wat2wasm --enable-threads wasm-kernels.wat`, then
 * base64), once as it is and once with its memory declared shared (`1 65536 shared`), which the
 * threaded build of the backend needs. Each kernel is registered with tfjs (`defineWasmKernel`) and
 * runs through `runWasmKernel`, so tfjs tracks its outputs as any other kernel's.
 */

import { BackendError, startWasmWorkers, tf, type WasmWorkers } from '@iclkr/core';

/** wasm-kernels.wat assembled (base64); a test assembles it again and compares. */
export const WASM_KERNELS_BYTES =
  'AGFzbQEAAAABsgESYAF7AXtgAXsBfWAGf39/f39/AGAFf39/fX0BfWAEf399fQF9YAN/f30AYAJ/fwF9YAV/f39/fQBgB39/f39/f30AYBB/f39/f39/f39/f39/fX9/AGATf39/f39/f39/f39/f39/f31/fwBgC39/f39/f39/f399AGAFf39/f38AYAh/f39/f39/fwBgA39/fwBgBH9/f38AYAl/f39/f39/f30AYAl/f39/f39/f38AAg8BA2VudgZtZW1vcnkCAAEDFxYAAQICAwQFBgcIAgkKCwwNAA4PEBEMB3IKB2ZvcndhcmQACwhiYWNrd2FyZAAMBnNjb3JlcwANB3NvZnRtYXgADgNtaXgADwRnZWx1ABEJZ2VsdV9ncmFkABIKbGF5ZXJfbm9ybQATD2xheWVyX25vcm1fZ3JhZAAUDnRyYW5zcG9zZV9pbnRvABUKkCcWwAMBBXsgAP0MT6yuwk+srsJPrK7CT6yuwv1EIQEgAP0MT6yuwk+srsJPrK7CT6yuwv3rAf0MAACwQgAAsEIAALBCAACwQv3qASEAIAD9DDuquD87qrg/O6q4PzuquD/95gH9DAAAQEsAAEBLAABASwAAQEv95AEhBSAF/QwAAEBLAABASwAAQEsAAEBL/eUBIQIgACAC/QwAgDE/AIAxPwCAMT8AgDE//eYB/eUBIAL9DIOAXrmDgF65g4BeuYOAXrn95gH95QEhA/0MZ2lQOWdpUDlnaVA5Z2lQOSEEIAQgA/3mAf0MzkO3Os5DtzrOQ7c6zkO3Ov3kASEEIAQgA/3mAf0MCIkIPAiJCDwIiQg8CIkIPP3kASEEIAQgA/3mAf0MwakqPcGpKj3BqSo9wakqPf3kASEEIAQgA/3mAf0MqqoqPqqqKj6qqio+qqoqPv3kASEEIAQgA/3mAf0MAAAAPwAAAD8AAAA/AAAAP/3kASEEIAQgA/3mASAD/eYBIAP95AH9DAAAgD8AAIA/AACAPwAAgD/95AEhBCABIAQgBf0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYB/U4LGQAgAP0fACAA/R8BkiAA/R8CIAD9HwOSkgtvAgJ/AX1BACEGAkADQCAGIARPDQFBACEHAkADQCAHIAVPDQFDAAAAACEIIAYgA0kEQCAAIAYgAWxqIAdBAnRqKgIAIQgLIAIgByAEbCAGakECdGogCDgCACAHQQFqIQcMAAsLIAZBAWohBgwACwsLkgICA38FewJAA0AgA0UNAf0MAAAAAAAAAAAAAAAAAAAAACEK/QwAAAAAAAAAAAAAAAAAAAAAIQv9DAAAAAAAAAAAAAAAAAAAAAAhDP0MAAAAAAAAAAAAAAAAAAAAACENIAAhBiABIQcgBCEIA0AgBv0JAgAhCSAKIAkgB/0ABAD95gH95AEhCiALIAkgB/0ABBD95gH95AEhCyAMIAkgB/0ABCD95gH95AEhDCANIAkgB/0ABDD95gH95AEhDSAGQQRqIQYgByAFaiEHIAhBAWshCCAIDQALIAIgCv0LBAAgAiAL/QsEECACIAz9CwQgIAIgDf0LBDAgAUHAAGohASACQcAAaiECIANBAWshAwwACwsL3AEBA3tBACACa7L9E/0MAAAAAAAAgD8AAABAAABAQP3kASEF/QwAAID/AACA/wAAgP8AAID/IQcCQANAIAFFDQEgAP0ABAAgA/0T/eYBIAUgBP0T/eYB/eQBIQb9DAAAgP8AAID/AACA/wAAgP8gBiAF/QwAAAAAAAAAAAAAAAAAAAAA/UT9UiEGIAAgBv0LBAAgByAG/esBIQcgBf0MAACAQAAAgEAAAIBAAACAQP3kASEFIABBEGohACABQQFrIQEMAAsLIAf9HwAgB/0fAZcgB/0fAiAH/R8Dl5cLYAECe/0MAAAAAAAAAAAAAAAAAAAAACEFAkADQCABRQ0BIAD9AAQAIAL9E/3lARAAIAP9E/3mASEEIAAgBP0LBAAgBSAE/eQBIQUgAEEQaiEAIAFBAWshAQwACwsgBRABCzAAAkADQCABRQ0BIAAgAP0ABAAgAv0T/eYB/QsEACAAQRBqIQAgAUEBayEBDAALCwtXAQF7/QwAAID/AACA/wAAgP8AAID/IQICQANAIAFFDQEgAiAA/QAEAP3rASECIABBEGohACABQQFrIQEMAAsLIAL9HwAgAv0fAZcgAv0fAiAC/R8Dl5cLOwEBfwJAA0AgBSADTw0BIAEgBUECdGogBSACSQR9IAAgBUECdGoqAgAFIAQLOAIAIAVBAWohBQwACwsLvAMCBX8FeyAEQQJ0IQhBACEHAkADQCAHQcAAaiAISw0B/QwAAAAAAAAAAAAAAAAAAAAAIQ39DAAAAAAAAAAAAAAAAAAAAAAhDv0MAAAAAAAAAAAAAAAAAAAAACEP/QwAAAAAAAAAAAAAAAAAAAAAIRAgACEJIAEgB2ohCiADIQsDQCAJ/QkCACEMIA0gDCAK/QAEAP3mAf3kASENIA4gDCAK/QAEEP3mAf3kASEOIA8gDCAK/QAEIP3mAf3kASEPIBAgDCAK/QAEMP3mAf3kASEQIAlBBGohCSAKIAJqIQogC0EBayELIAsNAAsgBSAHaiANIAb9E/3mAf0LBAAgBSAHaiAOIAb9E/3mAf0LBBAgBSAHaiAPIAb9E/3mAf0LBCAgBSAHaiAQIAb9E/3mAf0LBDAgB0HAAGohBwwACwsCQANAIAcgCE8NAf0MAAAAAAAAAAAAAAAAAAAAACENIAAhCSABIAdqIQogAyELA0AgDSAJ/QkCACAK/QAEAP3mAf3kASENIAlBBGohCSAKIAJqIQogC0EBayELIAsNAAsgBSAHaiANIAb9E/3mAf0LBAAgB0EQaiEHDAALCwvVAgQCfwF7A38EeyAFQQJ0IQYCQANAIAdBwABqIAZLDQEgASAHav0ABAAhDCABIAdq/QAEECENIAEgB2r9AAQgIQ4gASAHav0ABDAhDyAAIQogAiAHaiEJIAQhCwJAA0AgC0UNASAK/QkCACEIIAkgCf0ABAAgCCAM/eYB/eQB/QsEACAJIAn9AAQQIAggDf3mAf3kAf0LBBAgCSAJ/QAEICAIIA795gH95AH9CwQgIAkgCf0ABDAgCCAP/eYB/eQB/QsEMCAKQQRqIQogCSADaiEJIAtBAWshCwwACwsgB0HAAGohBwwACwsCQANAIAcgBk8NASABIAdq/QAEACEMIAAhCiACIAdqIQkgBCELAkADQCALRQ0BIAkgCf0ABAAgCv0JAgAgDP3mAf3kAf0LBAAgCkEEaiEKIAkgA2ohCSALQQFrIQsMAAsLIAdBEGohBwwACwsLmgMDD38DfQF/IAlBD2pBcHEhECAQQQJ0IREgBiAMIBFsaiESIAogDGxBAnQhEyAKIAtuIRcCQANAIAcgCE8NASAHIAtuIRQgByALcCAXbCEVIBUgF2ohFgJAA0AgFSAWTw0BIAQgFCAKbCAVaiAJbEEDdGohIiAUIAkgD2xsIBUgCiALbm4gDGxBAnRqIRggAiAYaiEZIAEgGGohGCAUIAkgDmxsIBUgDGxBAnRqIRogAyAUIAkgE2xsIBUgDGxBAnRqaiEbIBggDyAGIAkgECAMEAIgBSAVQQJ0aioCACEfQQAhHAJAA0AgHCAJTw0BIBxBEGpBBHYhHSAaIBwgDmxqIR4gACAeaiAGIBIgHSAMIBEQAyASIB1BAnQgHCANIB8QBCEgQwAAgD8gEiAdQQJ0ICBDAACAPxAFlSEhIBIgHUECdCAhEAYgEiAZIA8gHEEBaiAMIBsgHCATbGpDAACAPxAJICIgIDgCACAiICE4AgQgIkEIaiEiIBxBAWohHAwACwsgFUEBaiEVDAALCyAHQQFqIQcMAAsLC/YEBhF/AX0BfwF7AX8CeyAMQQ9qQXBxIRMgE0ECdCEUIAYgDyAUbGohFSAVIA8gFGxqIRYgFiAUaiEXIA0gD2xBAnQhGCANIA5uIR0CQANAIAogC08NASAKIA5uIRogCiAOcCAdbCEbIBsgHWohHAJAA0AgGyAcTw0BIAQgGiANbCAbaiAMbEEDdGohJSAaIAwgEmxsIBsgDSAObm4gD2xBAnRqIR4gGiAMIBFsbCAbIA9sQQJ0aiEfIAEgHmogEiAGIAwgEyAPEAIgAiAeaiASIBUgDCATIA8QAiAFIBtBAnRqKgIAISRBACEgAkADQCAgIAxPDQEgIEEQakEEdiEhICFBAnQhIiAfICAgEWxqISMgGiAMbCAgaiAYbCAbIA9sQQJ0aiADaiEZIAAgI2ogBiAWICEgDyAUEAMgFiAiICAgECAkEAQaIBYgIiAlKgIAICUqAgQQBRogGSAVIBcgISAPIBQQA/0MAAAAAAAAAAAAAAAAAAAAACEmQQAhJwJAA0AgJyAiQQR0Tw0BICYgFiAnav0ABAAgFyAnav0ABAD95gH95AEhJiAnQRBqIScMAAsLICYQAf0TISlBACEnAkADQCAnICJBBHRPDQEgFiAnav0ABAAhKCAXICdqICggFyAnav0ABAAgKf3lAf3mASAQ/RP95gH9CwQAICdBEGohJwwACwsgFyABIB5qIBIgIEEBaiAPIAcgI2pDAACAPxAJIBcgACAjaiAIIB5qIBIgIEEBaiAPEAogFiAZIAkgHmogEiAgQQFqIA8QCiAlQQhqISUgIEEBaiEgDAALCyAbQQFqIRsMAAsLIApBAWohCgwACwsLiAICCX8BfSAGQQ9qQXBxIQsgC0ECdCEMIAQgCSAMbGohDSAHIAlsQQJ0IQ4gCCAJbEECdCEPAkADQCAQIAVPDQFBACERAkADQCARIAdPDQEgASAQIAYgD2xsIBEgByAIbm4gCWxBAnRqaiAPIAQgBiALIAkQAiAAIBAgBiAObGwgESAJbEECdGpqIRIgAyARQQJ0aioCACEUQQAhEwJAA0AgEyAGTw0BIBIgEyAObGogBCANIAtBBHYgCSAMEAMgDSALQQJ2IBMgCiAUEAQaIA0gAiAGIAZDAAAAABAIIAIgBkECdGohAiATQQFqIRMMAAsLIBFBAWohEQwACwsgEEEBaiEQDAALCwuBAQIBfwJ9IANBD2pBcHFBAnYhBQJAA0AgAkUNASAAIAQgAyAFQQJ0QwAAgP8QCCAEIAUQByEGQwAAgD8gBCAFIAZDAACAPxAFlSEHIAQgBSAHEAYgBCABIAMgA0MAAAAAEAggACADQQJ0aiEAIAEgA0ECdGohASACQQFrIQIMAAsLC7cBAQd/IAUgB2xBAnQhCCAGIAdsQQJ0IQkCQANAIAogA08NAUEAIQsCQANAIAsgBU8NASABIAogBCAJbGwgCyAFIAZubiAHbEECdGpqIQwgAiAKIAQgCGxsIAsgB2xBAnRqaiENQQAhDgJAA0AgDiAETw0BIAAgDCAJIAQgByANIA4gCGxqQwAAgD8QCSAAIARBAnRqIQAgDkEBaiEODAALCyALQQFqIQsMAAsLIApBAWohCgwACwsLeQD9DAAAgD8AAIA/AACAPwAAgD/9DAAAgD8AAIA/AACAPwAAgD8gACAAIAD95gH9DBMnNz0TJzc9Eyc3PRMnNz395gH9DAAAgD8AAIA/AACAPwAAgD/95AH95gH9DCpCzL8qQsy/KkLMvypCzL/95gEQAP3kAf3nAQtEAgF/AXsgACACQQJ0aiEDAkADQCAAIANPDQEgAP0ABAAhBCABIAQgBBAQ/eYB/QsEACAAQRBqIQAgAUEQaiEBDAALCwurAQIBfwJ7IAAgA0ECdGohBAJAA0AgACAETw0BIAD9AAQAIQUgBRAQIQYgAiAB/QAEACAGIAUgBv0MAACAPwAAgD8AAIA/AACAPyAG/eUB/eYB/eYBIAUgBf3mAf0MtjNbPrYzWz62M1s+tjNbPv3mAf0MKkLMPypCzD8qQsw/KkLMP/3kAf3mAf3kAf3mAf0LBAAgAEEQaiEAIAFBEGohASACQRBqIQIMAAsLC8wCAwJ/BHsBfSAHQQJ0IQlDAACAPyAHs5UhDwJAA0AgBkUNAf0MAAAAAAAAAAAAAAAAAAAAACELQQAhCgNAIAsgACAKav0ABAD95AEhCyAKQRBqIQogCiAJSQ0ACyALEAEgD5T9EyEM/QwAAAAAAAAAAAAAAAAAAAAAIQtBACEKA0AgACAKav0ABAAgDP3lASEOIAsgDiAO/eYB/eQBIQsgCkEQaiEKIAogCUkNAAtDAACAPyALEAEgD5QgCJKRlf0TIQ0gBSAN/R8AOAIAQQAhCgNAIAAgCmr9AAQAIAz95QEgDf3mASEOIAQgCmogDv0LBAAgAyAKaiAOIAEgCmr9AAQA/eYBIAIgCmr9AAQA/eQB/QsEACAKQRBqIQogCiAJSQ0ACyAAIAlqIQAgAyAJaiEDIAQgCWohBCAFQQRqIQUgBkEBayEGDAALCwvnAgMCfwh7AX0gCEECdCEJQwAAgD8gCLOVIRMCQANAIAdFDQH9DAAAAAAAAAAAAAAAAAAAAAAhDv0MAAAAAAAAAAAAAAAAAAAAACEPQQAhCgNAIAAgCmr9AAQAIQ0gASAKav0ABAAhDCANIAMgCmr9AAQA/eYBIQsgDiAL/eQBIQ4gDyALIAz95gH95AEhDyAFIApqIAUgCmr9AAQAIA0gDP3mAf3kAf0LBAAgBiAKaiAGIApq/QAEACAN/eQB/QsEACAKQRBqIQogCiAJSQ0ACyAOEAEgE5T9EyEQIA8QASATlP0TIREgAv0JAgAhEkEAIQoDQCAAIApq/QAEACADIApq/QAEAP3mASELIAQgCmogEiALIBD95QEgASAKav0ABAAgEf3mAf3lAf3mAf0LBAAgCkEQaiEKIAogCUkNAAsgACAJaiEAIAEgCWohASAEIAlqIQQgAkEEaiECIAdBAWshBwwACwsLlwEBB38gA0ECdCELAkADQCAFIAJPDQEgBUEQaiACIAVBEGogAkkbIQZBACEIAkADQCAIIANPDQEgACAFIAtsIAhBAnRqaiEJIAEgCCAEbCAFQQJ0amohCiAFIQcDQCAKIAkqAgA4AgAgCSALaiEJIApBBGohCiAHQQFqIQcgByAGSQ0ACyAIQQFqIQgMAAsLIAYhBQwACwsL';

/** wasm-kernels.wat with a shared memory (for the threaded wasm build), assembled (base64). */
export const WASM_KERNELS_SHARED_BYTES =
  'AGFzbQEAAAABsgESYAF7AXtgAXsBfWAGf39/f39/AGAFf39/fX0BfWAEf399fQF9YAN/f30AYAJ/fwF9YAV/f39/fQBgB39/f39/f30AYBB/f39/f39/f39/f39/fX9/AGATf39/f39/f39/f39/f39/f31/fwBgC39/f39/f39/f399AGAFf39/f38AYAh/f39/f39/fwBgA39/fwBgBH9/f38AYAl/f39/f39/f30AYAl/f39/f39/f38AAhIBA2VudgZtZW1vcnkCAwGAgAQDFxYAAQICAwQFBgcIAgkKCwwNAA4PEBEMB3IKB2ZvcndhcmQACwhiYWNrd2FyZAAMBnNjb3JlcwANB3NvZnRtYXgADgNtaXgADwRnZWx1ABEJZ2VsdV9ncmFkABIKbGF5ZXJfbm9ybQATD2xheWVyX25vcm1fZ3JhZAAUDnRyYW5zcG9zZV9pbnRvABUKkCcWwAMBBXsgAP0MT6yuwk+srsJPrK7CT6yuwv1EIQEgAP0MT6yuwk+srsJPrK7CT6yuwv3rAf0MAACwQgAAsEIAALBCAACwQv3qASEAIAD9DDuquD87qrg/O6q4PzuquD/95gH9DAAAQEsAAEBLAABASwAAQEv95AEhBSAF/QwAAEBLAABASwAAQEsAAEBL/eUBIQIgACAC/QwAgDE/AIAxPwCAMT8AgDE//eYB/eUBIAL9DIOAXrmDgF65g4BeuYOAXrn95gH95QEhA/0MZ2lQOWdpUDlnaVA5Z2lQOSEEIAQgA/3mAf0MzkO3Os5DtzrOQ7c6zkO3Ov3kASEEIAQgA/3mAf0MCIkIPAiJCDwIiQg8CIkIPP3kASEEIAQgA/3mAf0MwakqPcGpKj3BqSo9wakqPf3kASEEIAQgA/3mAf0MqqoqPqqqKj6qqio+qqoqPv3kASEEIAQgA/3mAf0MAAAAPwAAAD8AAAA/AAAAP/3kASEEIAQgA/3mASAD/eYBIAP95AH9DAAAgD8AAIA/AACAPwAAgD/95AEhBCABIAQgBf0MfwAAAH8AAAB/AAAAfwAAAP2uAUEX/asB/eYB/U4LGQAgAP0fACAA/R8BkiAA/R8CIAD9HwOSkgtvAgJ/AX1BACEGAkADQCAGIARPDQFBACEHAkADQCAHIAVPDQFDAAAAACEIIAYgA0kEQCAAIAYgAWxqIAdBAnRqKgIAIQgLIAIgByAEbCAGakECdGogCDgCACAHQQFqIQcMAAsLIAZBAWohBgwACwsLkgICA38FewJAA0AgA0UNAf0MAAAAAAAAAAAAAAAAAAAAACEK/QwAAAAAAAAAAAAAAAAAAAAAIQv9DAAAAAAAAAAAAAAAAAAAAAAhDP0MAAAAAAAAAAAAAAAAAAAAACENIAAhBiABIQcgBCEIA0AgBv0JAgAhCSAKIAkgB/0ABAD95gH95AEhCiALIAkgB/0ABBD95gH95AEhCyAMIAkgB/0ABCD95gH95AEhDCANIAkgB/0ABDD95gH95AEhDSAGQQRqIQYgByAFaiEHIAhBAWshCCAIDQALIAIgCv0LBAAgAiAL/QsEECACIAz9CwQgIAIgDf0LBDAgAUHAAGohASACQcAAaiECIANBAWshAwwACwsL3AEBA3tBACACa7L9E/0MAAAAAAAAgD8AAABAAABAQP3kASEF/QwAAID/AACA/wAAgP8AAID/IQcCQANAIAFFDQEgAP0ABAAgA/0T/eYBIAUgBP0T/eYB/eQBIQb9DAAAgP8AAID/AACA/wAAgP8gBiAF/QwAAAAAAAAAAAAAAAAAAAAA/UT9UiEGIAAgBv0LBAAgByAG/esBIQcgBf0MAACAQAAAgEAAAIBAAACAQP3kASEFIABBEGohACABQQFrIQEMAAsLIAf9HwAgB/0fAZcgB/0fAiAH/R8Dl5cLYAECe/0MAAAAAAAAAAAAAAAAAAAAACEFAkADQCABRQ0BIAD9AAQAIAL9E/3lARAAIAP9E/3mASEEIAAgBP0LBAAgBSAE/eQBIQUgAEEQaiEAIAFBAWshAQwACwsgBRABCzAAAkADQCABRQ0BIAAgAP0ABAAgAv0T/eYB/QsEACAAQRBqIQAgAUEBayEBDAALCwtXAQF7/QwAAID/AACA/wAAgP8AAID/IQICQANAIAFFDQEgAiAA/QAEAP3rASECIABBEGohACABQQFrIQEMAAsLIAL9HwAgAv0fAZcgAv0fAiAC/R8Dl5cLOwEBfwJAA0AgBSADTw0BIAEgBUECdGogBSACSQR9IAAgBUECdGoqAgAFIAQLOAIAIAVBAWohBQwACwsLvAMCBX8FeyAEQQJ0IQhBACEHAkADQCAHQcAAaiAISw0B/QwAAAAAAAAAAAAAAAAAAAAAIQ39DAAAAAAAAAAAAAAAAAAAAAAhDv0MAAAAAAAAAAAAAAAAAAAAACEP/QwAAAAAAAAAAAAAAAAAAAAAIRAgACEJIAEgB2ohCiADIQsDQCAJ/QkCACEMIA0gDCAK/QAEAP3mAf3kASENIA4gDCAK/QAEEP3mAf3kASEOIA8gDCAK/QAEIP3mAf3kASEPIBAgDCAK/QAEMP3mAf3kASEQIAlBBGohCSAKIAJqIQogC0EBayELIAsNAAsgBSAHaiANIAb9E/3mAf0LBAAgBSAHaiAOIAb9E/3mAf0LBBAgBSAHaiAPIAb9E/3mAf0LBCAgBSAHaiAQIAb9E/3mAf0LBDAgB0HAAGohBwwACwsCQANAIAcgCE8NAf0MAAAAAAAAAAAAAAAAAAAAACENIAAhCSABIAdqIQogAyELA0AgDSAJ/QkCACAK/QAEAP3mAf3kASENIAlBBGohCSAKIAJqIQogC0EBayELIAsNAAsgBSAHaiANIAb9E/3mAf0LBAAgB0EQaiEHDAALCwvVAgQCfwF7A38EeyAFQQJ0IQYCQANAIAdBwABqIAZLDQEgASAHav0ABAAhDCABIAdq/QAEECENIAEgB2r9AAQgIQ4gASAHav0ABDAhDyAAIQogAiAHaiEJIAQhCwJAA0AgC0UNASAK/QkCACEIIAkgCf0ABAAgCCAM/eYB/eQB/QsEACAJIAn9AAQQIAggDf3mAf3kAf0LBBAgCSAJ/QAEICAIIA795gH95AH9CwQgIAkgCf0ABDAgCCAP/eYB/eQB/QsEMCAKQQRqIQogCSADaiEJIAtBAWshCwwACwsgB0HAAGohBwwACwsCQANAIAcgBk8NASABIAdq/QAEACEMIAAhCiACIAdqIQkgBCELAkADQCALRQ0BIAkgCf0ABAAgCv0JAgAgDP3mAf3kAf0LBAAgCkEEaiEKIAkgA2ohCSALQQFrIQsMAAsLIAdBEGohBwwACwsLmgMDD38DfQF/IAlBD2pBcHEhECAQQQJ0IREgBiAMIBFsaiESIAogDGxBAnQhEyAKIAtuIRcCQANAIAcgCE8NASAHIAtuIRQgByALcCAXbCEVIBUgF2ohFgJAA0AgFSAWTw0BIAQgFCAKbCAVaiAJbEEDdGohIiAUIAkgD2xsIBUgCiALbm4gDGxBAnRqIRggAiAYaiEZIAEgGGohGCAUIAkgDmxsIBUgDGxBAnRqIRogAyAUIAkgE2xsIBUgDGxBAnRqaiEbIBggDyAGIAkgECAMEAIgBSAVQQJ0aioCACEfQQAhHAJAA0AgHCAJTw0BIBxBEGpBBHYhHSAaIBwgDmxqIR4gACAeaiAGIBIgHSAMIBEQAyASIB1BAnQgHCANIB8QBCEgQwAAgD8gEiAdQQJ0ICBDAACAPxAFlSEhIBIgHUECdCAhEAYgEiAZIA8gHEEBaiAMIBsgHCATbGpDAACAPxAJICIgIDgCACAiICE4AgQgIkEIaiEiIBxBAWohHAwACwsgFUEBaiEVDAALCyAHQQFqIQcMAAsLC/YEBhF/AX0BfwF7AX8CeyAMQQ9qQXBxIRMgE0ECdCEUIAYgDyAUbGohFSAVIA8gFGxqIRYgFiAUaiEXIA0gD2xBAnQhGCANIA5uIR0CQANAIAogC08NASAKIA5uIRogCiAOcCAdbCEbIBsgHWohHAJAA0AgGyAcTw0BIAQgGiANbCAbaiAMbEEDdGohJSAaIAwgEmxsIBsgDSAObm4gD2xBAnRqIR4gGiAMIBFsbCAbIA9sQQJ0aiEfIAEgHmogEiAGIAwgEyAPEAIgAiAeaiASIBUgDCATIA8QAiAFIBtBAnRqKgIAISRBACEgAkADQCAgIAxPDQEgIEEQakEEdiEhICFBAnQhIiAfICAgEWxqISMgGiAMbCAgaiAYbCAbIA9sQQJ0aiADaiEZIAAgI2ogBiAWICEgDyAUEAMgFiAiICAgECAkEAQaIBYgIiAlKgIAICUqAgQQBRogGSAVIBcgISAPIBQQA/0MAAAAAAAAAAAAAAAAAAAAACEmQQAhJwJAA0AgJyAiQQR0Tw0BICYgFiAnav0ABAAgFyAnav0ABAD95gH95AEhJiAnQRBqIScMAAsLICYQAf0TISlBACEnAkADQCAnICJBBHRPDQEgFiAnav0ABAAhKCAXICdqICggFyAnav0ABAAgKf3lAf3mASAQ/RP95gH9CwQAICdBEGohJwwACwsgFyABIB5qIBIgIEEBaiAPIAcgI2pDAACAPxAJIBcgACAjaiAIIB5qIBIgIEEBaiAPEAogFiAZIAkgHmogEiAgQQFqIA8QCiAlQQhqISUgIEEBaiEgDAALCyAbQQFqIRsMAAsLIApBAWohCgwACwsLiAICCX8BfSAGQQ9qQXBxIQsgC0ECdCEMIAQgCSAMbGohDSAHIAlsQQJ0IQ4gCCAJbEECdCEPAkADQCAQIAVPDQFBACERAkADQCARIAdPDQEgASAQIAYgD2xsIBEgByAIbm4gCWxBAnRqaiAPIAQgBiALIAkQAiAAIBAgBiAObGwgESAJbEECdGpqIRIgAyARQQJ0aioCACEUQQAhEwJAA0AgEyAGTw0BIBIgEyAObGogBCANIAtBBHYgCSAMEAMgDSALQQJ2IBMgCiAUEAQaIA0gAiAGIAZDAAAAABAIIAIgBkECdGohAiATQQFqIRMMAAsLIBFBAWohEQwACwsgEEEBaiEQDAALCwuBAQIBfwJ9IANBD2pBcHFBAnYhBQJAA0AgAkUNASAAIAQgAyAFQQJ0QwAAgP8QCCAEIAUQByEGQwAAgD8gBCAFIAZDAACAPxAFlSEHIAQgBSAHEAYgBCABIAMgA0MAAAAAEAggACADQQJ0aiEAIAEgA0ECdGohASACQQFrIQIMAAsLC7cBAQd/IAUgB2xBAnQhCCAGIAdsQQJ0IQkCQANAIAogA08NAUEAIQsCQANAIAsgBU8NASABIAogBCAJbGwgCyAFIAZubiAHbEECdGpqIQwgAiAKIAQgCGxsIAsgB2xBAnRqaiENQQAhDgJAA0AgDiAETw0BIAAgDCAJIAQgByANIA4gCGxqQwAAgD8QCSAAIARBAnRqIQAgDkEBaiEODAALCyALQQFqIQsMAAsLIApBAWohCgwACwsLeQD9DAAAgD8AAIA/AACAPwAAgD/9DAAAgD8AAIA/AACAPwAAgD8gACAAIAD95gH9DBMnNz0TJzc9Eyc3PRMnNz395gH9DAAAgD8AAIA/AACAPwAAgD/95AH95gH9DCpCzL8qQsy/KkLMvypCzL/95gEQAP3kAf3nAQtEAgF/AXsgACACQQJ0aiEDAkADQCAAIANPDQEgAP0ABAAhBCABIAQgBBAQ/eYB/QsEACAAQRBqIQAgAUEQaiEBDAALCwurAQIBfwJ7IAAgA0ECdGohBAJAA0AgACAETw0BIAD9AAQAIQUgBRAQIQYgAiAB/QAEACAGIAUgBv0MAACAPwAAgD8AAIA/AACAPyAG/eUB/eYB/eYBIAUgBf3mAf0MtjNbPrYzWz62M1s+tjNbPv3mAf0MKkLMPypCzD8qQsw/KkLMP/3kAf3mAf3kAf3mAf0LBAAgAEEQaiEAIAFBEGohASACQRBqIQIMAAsLC8wCAwJ/BHsBfSAHQQJ0IQlDAACAPyAHs5UhDwJAA0AgBkUNAf0MAAAAAAAAAAAAAAAAAAAAACELQQAhCgNAIAsgACAKav0ABAD95AEhCyAKQRBqIQogCiAJSQ0ACyALEAEgD5T9EyEM/QwAAAAAAAAAAAAAAAAAAAAAIQtBACEKA0AgACAKav0ABAAgDP3lASEOIAsgDiAO/eYB/eQBIQsgCkEQaiEKIAogCUkNAAtDAACAPyALEAEgD5QgCJKRlf0TIQ0gBSAN/R8AOAIAQQAhCgNAIAAgCmr9AAQAIAz95QEgDf3mASEOIAQgCmogDv0LBAAgAyAKaiAOIAEgCmr9AAQA/eYBIAIgCmr9AAQA/eQB/QsEACAKQRBqIQogCiAJSQ0ACyAAIAlqIQAgAyAJaiEDIAQgCWohBCAFQQRqIQUgBkEBayEGDAALCwvnAgMCfwh7AX0gCEECdCEJQwAAgD8gCLOVIRMCQANAIAdFDQH9DAAAAAAAAAAAAAAAAAAAAAAhDv0MAAAAAAAAAAAAAAAAAAAAACEPQQAhCgNAIAAgCmr9AAQAIQ0gASAKav0ABAAhDCANIAMgCmr9AAQA/eYBIQsgDiAL/eQBIQ4gDyALIAz95gH95AEhDyAFIApqIAUgCmr9AAQAIA0gDP3mAf3kAf0LBAAgBiAKaiAGIApq/QAEACAN/eQB/QsEACAKQRBqIQogCiAJSQ0ACyAOEAEgE5T9EyEQIA8QASATlP0TIREgAv0JAgAhEkEAIQoDQCAAIApq/QAEACADIApq/QAEAP3mASELIAQgCmogEiALIBD95QEgASAKav0ABAAgEf3mAf3lAf3mAf0LBAAgCkEQaiEKIAogCUkNAAsgACAJaiEAIAEgCWohASAEIAlqIQQgAkEEaiECIAdBAWshBwwACwsLlwEBB38gA0ECdCELAkADQCAFIAJPDQEgBUEQaiACIAVBEGogAkkbIQZBACEIAkADQCAIIANPDQEgACAFIAtsIAhBAnRqaiEJIAEgCCAEbCAFQQJ0amohCiAFIQcDQCAKIAkqAgA4AgAgCSALaiEJIApBBGohCiAHQQFqIQcgByAGSQ0ACyAIQQFqIQgMAAsLIAYhBQwACwsL';

/** The parts of tfjs-wasm's backend object the kernels use. */
interface WasmBackend {
  wasm: {
    /** The threaded build's (shared) memory. */
    wasmMemory?: WebAssembly.Memory;
    /** The single-threaded build exports its memory instead. */
    asm?: { memory?: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** The module's exports (see wasm-kernels.wat); pointers are byte offsets. */
type Exports = Record<string, (...args: number[]) => void>;

interface Kernel {
  memory: WebAssembly.Memory;
  exports: Exports;
  /** Threads besides the caller's that run the module over the same (shared) memory, where there are any. */
  workers: WasmWorkers | undefined;
}

const kernels = new WeakMap<object, Kernel | null>();

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** The module instantiated over the backend's memory, or null where that cannot be done (no SIMD, an unknown build). */
function kernelOf(backend: WasmBackend): Kernel | null {
  let kernel = kernels.get(backend);
  if (kernel !== undefined) return kernel;
  kernel = null;
  const memory = backend.wasm?.wasmMemory ?? backend.wasm?.asm?.memory;
  if (memory instanceof WebAssembly.Memory) {
    const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    try {
      const bytes = decode(shared ? WASM_KERNELS_SHARED_BYTES : WASM_KERNELS_BYTES);
      const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as Exports;
      kernel = { memory, exports, workers: shared ? startWasmWorkers(bytes, memory) : undefined };
    } catch {
      kernel = null;
    }
  }
  kernels.set(backend, kernel);
  return kernel;
}

/** One call of the module from a tfjs kernel: its exports, tensor offsets, outputs and scratch. */
export class Call {
  readonly backend: WasmBackend;
  readonly exports: Exports;
  /** Threads a `parallel` call runs on (the caller's and the workers'). */
  readonly threads: number;
  private readonly memory: WebAssembly.Memory;
  private readonly workers: WasmWorkers | undefined;
  private readonly scratches: number[] = [];

  constructor(backend: object) {
    this.backend = backend as WasmBackend;
    const kernel = kernelOf(this.backend)!;
    this.exports = kernel.exports;
    this.memory = kernel.memory;
    this.workers = kernel.workers;
    this.threads = 1 + (kernel.workers?.size ?? 0);
  }

  /**
   * Runs export `name` over `units` units of work, split into contiguous ranges, one per thread
   * with at least `minUnits` each (waking a worker costs about 0.1-0.2 ms): `args(u0, u1, thread)`
   * gives the arguments for units [u0, u1) on thread `thread` (< threads). Each unit must give the
   * same numbers whichever thread computes it.
   */
  parallel(name: string, units: number, args: (u0: number, u1: number, thread: number) => number[], minUnits = 1): void {
    if (units <= 0) return;
    const parts = Math.max(1, Math.min(this.threads, Math.floor(units / minUnits)));
    const bounds = Array.from({ length: parts + 1 }, (_, p) => Math.round((p * units) / parts));
    if (parts > 1)
      this.workers!.start(
        name,
        bounds.slice(1, -1).map((u0, p) => args(u0, bounds[p + 2]!, p + 1)),
      );
    this.exports[name]!(...args(0, bounds[1]!, 0));
    if (parts > 1) this.workers!.wait();
  }

  /** `n` floats of the memory from byte offset `at` (a view: valid until the memory grows). */
  floats(at: number, n: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, n);
  }

  /** The byte offset of a tensor's data. */
  at(t: tf.TensorInfo): number {
    return this.backend.dataIdMap.get(t.dataId)!.memoryOffset;
  }

  /** A new float32 output; `zero` fills it with zeros (for outputs the module adds into). */
  output(shape: number[], zero = false): tf.TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    if (zero)
      new Float32Array(
        this.memory.buffer,
        this.at(out),
        shape.reduce((a, b) => a * b, 1),
      ).fill(0);
    return out;
  }

  /**
   * `t` again, sharing its data: the output of a kernel that wrote into `t` in place (an output an
   * earlier call of the same op made and nothing else holds).
   */
  alias(t: tf.TensorInfo): tf.TensorInfo {
    (this.backend as unknown as { incRef(dataId: object): void }).incRef(t.dataId);
    return { dataId: t.dataId, shape: t.shape, dtype: t.dtype };
  }

  /** Scratch of `floats` floats followed by `values` (freed by `done`). */
  scratch(floats: number, values: readonly number[] = []): number {
    const pointer = this.backend.wasm._malloc(4 * (floats + values.length));
    this.scratches.push(pointer);
    this.floats(pointer + 4 * floats, values.length).set(values);
    return pointer;
  }

  /** Frees the scratch; returns the outputs. */
  done(outputs: tf.TensorInfo[]): tf.TensorInfo[] {
    for (const pointer of this.scratches.splice(0)) this.backend.wasm._free(pointer);
    return outputs;
  }
}

/** The tensors a kernel body gets, by name. */
export type KernelInputs = Record<string, tf.TensorInfo>;

/** What a kernel does with the module: its outputs from its inputs and attributes. */
export type KernelBody<A> = (call: Call, inputs: KernelInputs, attrs: A) => tf.TensorInfo[];

const bodies = new Map<string, KernelBody<never>>();

/** Declares tfjs kernel `name` on the wasm backend (registered by the first `wasmKernelsRun` that finds it missing). */
export function defineWasmKernel<A>(name: string, body: KernelBody<A>): void {
  bodies.set(name, body as KernelBody<never>);
}

/** Whether the kernels run here: on the wasm backend, where its memory can be reached and WebAssembly SIMD validates. */
export function wasmKernelsRun(): boolean {
  if (tf.getBackend() !== 'wasm' || kernelOf(tf.backend() as unknown as WasmBackend) === null) return false;
  for (const [kernelName, body] of bodies) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) continue;
    const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => body(new Call(backend), inputs as KernelInputs, attrs as never);
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  return true;
}

/** Runs kernel `name`; an error where the kernels do not run (see `wasmKernelsRun`). */
export function runWasmKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object = {}): tf.Tensor[] {
  if (!wasmKernelsRun()) {
    throw new BackendError(
      `the wasm kernels run on the wasm backend only (this is '${tf.getBackend()}')`,
      "select it with initBackend('wasm'), or check wasmKernelsRun() first",
    );
  }
  return tf.engine().runKernel(name, inputs, attrs as tf.NamedAttrMap) as tf.Tensor[];
}
