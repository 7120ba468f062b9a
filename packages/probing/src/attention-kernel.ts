/**
 * Causal softmax attention fused into one WebAssembly SIMD kernel that reads and writes the
 * tensors of tfjs's wasm backend in place (its memory imported), forward and backward. tfjs forms
 * the same attention from ~20 kernels per layer and direction: transposes into a grouped-product
 * layout, depthwise convolutions with 16 or 128 columns, a broadcast bias, a softmax and their
 * gradients, each a pass over [batch, head, t, t] (our GPT's training step at batch 16 x 128: 40 ms
 * per layer). The kernel takes q, k and v as the projections lay them out, [batch, t, head, d_head],
 * computes each query row's scores, softmax and mix in cache-sized scratch, saves only each row's
 * max and 1 / sum, and recomputes the pattern in the backward pass (as FlashAttention does). It runs
 * on the calling thread; its numbers are the same at any thread count. The bytes are
 * attention-kernel.wat beside this file assembled with wabt (`npx -p wabt wat2wasm --enable-threads
 * attention-kernel.wat`, then base64), once as it is and once with its memory declared shared
 * (`1 65536 shared`), for the threaded build of the backend.
 */

import { tf } from '@iclkr/core';
import { customOp } from './ops.js';

/** attention-kernel.wat assembled (base64); a test assembles it again and compares. */
export const ATTENTION_KERNEL_BYTES =
  'AGFzbQEAAAABhwEOYAF7AXtgAXsBfWAGf39/f39/AGAFf39/fX0BfWAEf399fQF9YAN/f30AYAJ/fwF9YAV/f39/fQBgB39/f39/f30AYA1/f39/f39/f39/f399AGAQf39/f39/f39/f39/f39/fQBgC39/f39/f39/f399AGAFf39/f38AYAh/f39/f39/fwACDwEDZW52Bm1lbW9yeQIAAQMREAABAgIDBAUGBwgCCQoLDA0HLwUHZm9yd2FyZAALCGJhY2t3YXJkAAwGc2NvcmVzAA0Hc29mdG1heAAOA21peAAPCuMaEJcDAQR7IAD9DE+srsJPrK7CT6yuwk+srsL9RCEBIAD9DE+srsJPrK7CT6yuwk+srsL96QH9DAAAsEIAALBCAACwQgAAsEL96AEhACAA/Qw7qrg/O6q4PzuquD87qrg//eYB/WohAiAAIAL9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgAv0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASED/QxnaVA5Z2lQOWdpUDlnaVA5IQQgBCAD/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIQQgBCAD/eYB/QwIiQg8CIkIPAiJCDwIiQg8/eQBIQQgBCAD/eYB/QzBqSo9wakqPcGpKj3BqSo9/eQBIQQgBCAD/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIQQgBCAD/eYB/QwAAAA/AAAAPwAAAD8AAAA//eQBIQQgBCAD/eYBIAP95gEgA/3kAf0MAACAPwAAgD8AAIA/AACAP/3kASEEIAEgBCAC/fgB/Qx/AAAAfwAAAH8AAAB/AAAA/a4BQRf9qwH95gH9TgsZACAA/R8AIAD9HwGSIAD9HwIgAP0fA5KSC28CAn8BfUEAIQYCQANAIAYgBE8NAUEAIQcCQANAIAcgBU8NAUMAAAAAIQggBiADSQRAIAAgBiABbGogB0ECdGoqAgAhCAsgAiAHIARsIAZqQQJ0aiAIOAIAIAdBAWohBwwACwsgBkEBaiEGDAALCwuSAgIDfwV7AkADQCADRQ0B/QwAAAAAAAAAAAAAAAAAAAAAIQr9DAAAAAAAAAAAAAAAAAAAAAAhC/0MAAAAAAAAAAAAAAAAAAAAACEM/QwAAAAAAAAAAAAAAAAAAAAAIQ0gACEGIAEhByAEIQgDQCAG/QkCACEJIAogCSAH/QAEAP3mAf3kASEKIAsgCSAH/QAEEP3mAf3kASELIAwgCSAH/QAEIP3mAf3kASEMIA0gCSAH/QAEMP3mAf3kASENIAZBBGohBiAHIAVqIQcgCEEBayEIIAgNAAsgAiAK/QsEACACIAv9CwQQIAIgDP0LBCAgAiAN/QsEMCABQcAAaiEBIAJBwABqIQIgA0EBayEDDAALCwvcAQEDe0EAIAJrsv0T/QwAAAAAAACAPwAAAEAAAEBA/eQBIQX9DAAAgP8AAID/AACA/wAAgP8hBwJAA0AgAUUNASAA/QAEACAD/RP95gEgBSAE/RP95gH95AEhBv0MAACA/wAAgP8AAID/AACA/yAGIAX9DAAAAAAAAAAAAAAAAAAAAAD9RP1SIQYgACAG/QsEACAHIAb96QEhByAF/QwAAIBAAACAQAAAgEAAAIBA/eQBIQUgAEEQaiEAIAFBAWshAQwACwsgB/0fACAH/R8BlyAH/R8CIAf9HwOXlwtgAQJ7/QwAAAAAAAAAAAAAAAAAAAAAIQUCQANAIAFFDQEgAP0ABAAgAv0T/eUBEAAgA/0T/eYBIQQgACAE/QsEACAFIAT95AEhBSAAQRBqIQAgAUEBayEBDAALCyAFEAELMAACQANAIAFFDQEgACAA/QAEACAC/RP95gH9CwQAIABBEGohACABQQFrIQEMAAsLC1cBAXv9DAAAgP8AAID/AACA/wAAgP8hAgJAA0AgAUUNASACIAD9AAQA/ekBIQIgAEEQaiEAIAFBAWshAQwACwsgAv0fACAC/R8BlyAC/R8CIAL9HwOXlws7AQF/AkADQCAFIANPDQEgASAFQQJ0aiAFIAJJBH0gACAFQQJ0aioCAAUgBAs4AgAgBUEBaiEFDAALCwu8AwIFfwV7IARBAnQhCEEAIQcCQANAIAdBwABqIAhLDQH9DAAAAAAAAAAAAAAAAAAAAAAhDf0MAAAAAAAAAAAAAAAAAAAAACEO/QwAAAAAAAAAAAAAAAAAAAAAIQ/9DAAAAAAAAAAAAAAAAAAAAAAhECAAIQkgASAHaiEKIAMhCwNAIAn9CQIAIQwgDSAMIAr9AAQA/eYB/eQBIQ0gDiAMIAr9AAQQ/eYB/eQBIQ4gDyAMIAr9AAQg/eYB/eQBIQ8gECAMIAr9AAQw/eYB/eQBIRAgCUEEaiEJIAogAmohCiALQQFrIQsgCw0ACyAFIAdqIA0gBv0T/eYB/QsEACAFIAdqIA4gBv0T/eYB/QsEECAFIAdqIA8gBv0T/eYB/QsEICAFIAdqIBAgBv0T/eYB/QsEMCAHQcAAaiEHDAALCwJAA0AgByAITw0B/QwAAAAAAAAAAAAAAAAAAAAAIQ0gACEJIAEgB2ohCiADIQsDQCANIAn9CQIAIAr9AAQA/eYB/eQBIQ0gCUEEaiEJIAogAmohCiALQQFrIQsgCw0ACyAFIAdqIA0gBv0T/eYB/QsEACAHQRBqIQcMAAsLC3IDAn8BewF/IAVBAnQhBgJAA0AgBEUNASAA/QkCACEIQQAhBwNAIAIgB2ohCSAJIAn9AAQAIAggASAHav0ABAD95gH95AH9CwQAIAdBEGohByAHIAZJDQALIABBBGohACACIANqIQIgBEEBayEEDAALCwvlAgMNfwN9AX8gCEEPakFwcSENIA1BAnQhDiAGIAsgDmxqIQ8gCSALbEECdCEQIAogC2xBAnQhESAEIR1BACESAkADQCASIAdPDQFBACETAkADQCATIAlPDQEgEiAIIBFsbCATIAkgCm5uIAtsQQJ0aiEUIAIgFGohFSABIBRqIRQgEiAIIBBsbCATIAtsQQJ0aiEWIBQgESAGIAggDSALEAIgBSATQQJ0aioCACEaQQAhFwJAA0AgFyAITw0BIBdBEGpBBHYhGCAWIBcgEGxqIRkgACAZaiAGIA8gGCALIA4QAyAPIBhBAnQgFyAMIBoQBCEbQwAAgD8gDyAYQQJ0IBtDAACAPxAFlSEcIA8gGEECdCAcEAYgDyAVIBEgF0EBaiALIAMgGWpDAACAPxAJIB0gGzgCACAdIBw4AgQgHUEIaiEdIBdBAWohFwwACwsgE0EBaiETDAALCyASQQFqIRIMAAsLC8cEBg9/AX0BfwF7AX8CeyALQQ9qQXBxIRAgEEECdCERIAYgDiARbGohEiASIA4gEWxqIRMgEyARaiEUIAwgDmxBAnQhFSANIA5sQQJ0IRYgBCEgQQAhFwJAA0AgFyAKTw0BQQAhGAJAA0AgGCAMTw0BIBcgCyAWbGwgGCAMIA1ubiAObEECdGohGSAXIAsgFWxsIBggDmxBAnRqIRogASAZaiAWIAYgCyAQIA4QAiACIBlqIBYgEiALIBAgDhACIAUgGEECdGoqAgAhH0EAIRsCQANAIBsgC08NASAbQRBqQQR2IRwgHEECdCEdIBogGyAVbGohHiAAIB5qIAYgEyAcIA4gERADIBMgHSAbIA8gHxAEGiATIB0gICoCACAgKgIEEAUaIAMgHmogEiAUIBwgDiAREAP9DAAAAAAAAAAAAAAAAAAAAAAhIUEAISICQANAICIgHUEEdE8NASAhIBMgImr9AAQAIBQgImr9AAQA/eYB/eQBISEgIkEQaiEiDAALCyAhEAH9EyEkQQAhIgJAA0AgIiAdQQR0Tw0BIBMgImr9AAQAISMgFCAiaiAjIBQgImr9AAQAICT95QH95gEgD/0T/eYB/QsEACAiQRBqISIMAAsLIBQgASAZaiAWIBtBAWogDiAHIB5qQwAAgD8QCSAUIAAgHmogCCAZaiAWIBtBAWogDhAKIBMgAyAeaiAJIBlqIBYgG0EBaiAOEAogIEEIaiEgIBtBAWohGwwACwsgGEEBaiEYDAALCyAXQQFqIRcMAAsLC4gCAgl/AX0gBkEPakFwcSELIAtBAnQhDCAEIAkgDGxqIQ0gByAJbEECdCEOIAggCWxBAnQhDwJAA0AgECAFTw0BQQAhEQJAA0AgESAHTw0BIAEgECAGIA9sbCARIAcgCG5uIAlsQQJ0amogDyAEIAYgCyAJEAIgACAQIAYgDmxsIBEgCWxBAnRqaiESIAMgEUECdGoqAgAhFEEAIRMCQANAIBMgBk8NASASIBMgDmxqIAQgDSALQQR2IAkgDBADIA0gC0ECdiATIAogFBAEGiANIAIgBiAGQwAAAAAQCCACIAZBAnRqIQIgE0EBaiETDAALCyARQQFqIREMAAsLIBBBAWohEAwACwsLgQECAX8CfSADQQ9qQXBxQQJ2IQUCQANAIAJFDQEgACAEIAMgBUECdEMAAID/EAggBCAFEAchBkMAAIA/IAQgBSAGQwAAgD8QBZUhByAEIAUgBxAGIAQgASADIANDAAAAABAIIAAgA0ECdGohACABIANBAnRqIQEgAkEBayECDAALCwu3AQEHfyAFIAdsQQJ0IQggBiAHbEECdCEJAkADQCAKIANPDQFBACELAkADQCALIAVPDQEgASAKIAQgCWxsIAsgBSAGbm4gB2xBAnRqaiEMIAIgCiAEIAhsbCALIAdsQQJ0amohDUEAIQ4CQANAIA4gBE8NASAAIAwgCSAEIAcgDSAOIAhsakMAAIA/EAkgACAEQQJ0aiEAIA5BAWohDgwACwsgC0EBaiELDAALCyAKQQFqIQoMAAsLCw==';

/** attention-kernel.wat with a shared memory (for the threaded wasm build), assembled (base64). */
export const ATTENTION_KERNEL_SHARED_BYTES =
  'AGFzbQEAAAABhwEOYAF7AXtgAXsBfWAGf39/f39/AGAFf39/fX0BfWAEf399fQF9YAN/f30AYAJ/fwF9YAV/f39/fQBgB39/f39/f30AYA1/f39/f39/f39/f399AGAQf39/f39/f39/f39/f39/fQBgC39/f39/f39/f399AGAFf39/f38AYAh/f39/f39/fwACEgEDZW52Bm1lbW9yeQIDAYCABAMREAABAgIDBAUGBwgCCQoLDA0HLwUHZm9yd2FyZAALCGJhY2t3YXJkAAwGc2NvcmVzAA0Hc29mdG1heAAOA21peAAPCuMaEJcDAQR7IAD9DE+srsJPrK7CT6yuwk+srsL9RCEBIAD9DE+srsJPrK7CT6yuwk+srsL96QH9DAAAsEIAALBCAACwQgAAsEL96AEhACAA/Qw7qrg/O6q4PzuquD87qrg//eYB/WohAiAAIAL9DACAMT8AgDE/AIAxPwCAMT/95gH95QEgAv0Mg4BeuYOAXrmDgF65g4Beuf3mAf3lASED/QxnaVA5Z2lQOWdpUDlnaVA5IQQgBCAD/eYB/QzOQ7c6zkO3Os5DtzrOQ7c6/eQBIQQgBCAD/eYB/QwIiQg8CIkIPAiJCDwIiQg8/eQBIQQgBCAD/eYB/QzBqSo9wakqPcGpKj3BqSo9/eQBIQQgBCAD/eYB/Qyqqio+qqoqPqqqKj6qqio+/eQBIQQgBCAD/eYB/QwAAAA/AAAAPwAAAD8AAAA//eQBIQQgBCAD/eYBIAP95gEgA/3kAf0MAACAPwAAgD8AAIA/AACAP/3kASEEIAEgBCAC/fgB/Qx/AAAAfwAAAH8AAAB/AAAA/a4BQRf9qwH95gH9TgsZACAA/R8AIAD9HwGSIAD9HwIgAP0fA5KSC28CAn8BfUEAIQYCQANAIAYgBE8NAUEAIQcCQANAIAcgBU8NAUMAAAAAIQggBiADSQRAIAAgBiABbGogB0ECdGoqAgAhCAsgAiAHIARsIAZqQQJ0aiAIOAIAIAdBAWohBwwACwsgBkEBaiEGDAALCwuSAgIDfwV7AkADQCADRQ0B/QwAAAAAAAAAAAAAAAAAAAAAIQr9DAAAAAAAAAAAAAAAAAAAAAAhC/0MAAAAAAAAAAAAAAAAAAAAACEM/QwAAAAAAAAAAAAAAAAAAAAAIQ0gACEGIAEhByAEIQgDQCAG/QkCACEJIAogCSAH/QAEAP3mAf3kASEKIAsgCSAH/QAEEP3mAf3kASELIAwgCSAH/QAEIP3mAf3kASEMIA0gCSAH/QAEMP3mAf3kASENIAZBBGohBiAHIAVqIQcgCEEBayEIIAgNAAsgAiAK/QsEACACIAv9CwQQIAIgDP0LBCAgAiAN/QsEMCABQcAAaiEBIAJBwABqIQIgA0EBayEDDAALCwvcAQEDe0EAIAJrsv0T/QwAAAAAAACAPwAAAEAAAEBA/eQBIQX9DAAAgP8AAID/AACA/wAAgP8hBwJAA0AgAUUNASAA/QAEACAD/RP95gEgBSAE/RP95gH95AEhBv0MAACA/wAAgP8AAID/AACA/yAGIAX9DAAAAAAAAAAAAAAAAAAAAAD9RP1SIQYgACAG/QsEACAHIAb96QEhByAF/QwAAIBAAACAQAAAgEAAAIBA/eQBIQUgAEEQaiEAIAFBAWshAQwACwsgB/0fACAH/R8BlyAH/R8CIAf9HwOXlwtgAQJ7/QwAAAAAAAAAAAAAAAAAAAAAIQUCQANAIAFFDQEgAP0ABAAgAv0T/eUBEAAgA/0T/eYBIQQgACAE/QsEACAFIAT95AEhBSAAQRBqIQAgAUEBayEBDAALCyAFEAELMAACQANAIAFFDQEgACAA/QAEACAC/RP95gH9CwQAIABBEGohACABQQFrIQEMAAsLC1cBAXv9DAAAgP8AAID/AACA/wAAgP8hAgJAA0AgAUUNASACIAD9AAQA/ekBIQIgAEEQaiEAIAFBAWshAQwACwsgAv0fACAC/R8BlyAC/R8CIAL9HwOXlws7AQF/AkADQCAFIANPDQEgASAFQQJ0aiAFIAJJBH0gACAFQQJ0aioCAAUgBAs4AgAgBUEBaiEFDAALCwu8AwIFfwV7IARBAnQhCEEAIQcCQANAIAdBwABqIAhLDQH9DAAAAAAAAAAAAAAAAAAAAAAhDf0MAAAAAAAAAAAAAAAAAAAAACEO/QwAAAAAAAAAAAAAAAAAAAAAIQ/9DAAAAAAAAAAAAAAAAAAAAAAhECAAIQkgASAHaiEKIAMhCwNAIAn9CQIAIQwgDSAMIAr9AAQA/eYB/eQBIQ0gDiAMIAr9AAQQ/eYB/eQBIQ4gDyAMIAr9AAQg/eYB/eQBIQ8gECAMIAr9AAQw/eYB/eQBIRAgCUEEaiEJIAogAmohCiALQQFrIQsgCw0ACyAFIAdqIA0gBv0T/eYB/QsEACAFIAdqIA4gBv0T/eYB/QsEECAFIAdqIA8gBv0T/eYB/QsEICAFIAdqIBAgBv0T/eYB/QsEMCAHQcAAaiEHDAALCwJAA0AgByAITw0B/QwAAAAAAAAAAAAAAAAAAAAAIQ0gACEJIAEgB2ohCiADIQsDQCANIAn9CQIAIAr9AAQA/eYB/eQBIQ0gCUEEaiEJIAogAmohCiALQQFrIQsgCw0ACyAFIAdqIA0gBv0T/eYB/QsEACAHQRBqIQcMAAsLC3IDAn8BewF/IAVBAnQhBgJAA0AgBEUNASAA/QkCACEIQQAhBwNAIAIgB2ohCSAJIAn9AAQAIAggASAHav0ABAD95gH95AH9CwQAIAdBEGohByAHIAZJDQALIABBBGohACACIANqIQIgBEEBayEEDAALCwvlAgMNfwN9AX8gCEEPakFwcSENIA1BAnQhDiAGIAsgDmxqIQ8gCSALbEECdCEQIAogC2xBAnQhESAEIR1BACESAkADQCASIAdPDQFBACETAkADQCATIAlPDQEgEiAIIBFsbCATIAkgCm5uIAtsQQJ0aiEUIAIgFGohFSABIBRqIRQgEiAIIBBsbCATIAtsQQJ0aiEWIBQgESAGIAggDSALEAIgBSATQQJ0aioCACEaQQAhFwJAA0AgFyAITw0BIBdBEGpBBHYhGCAWIBcgEGxqIRkgACAZaiAGIA8gGCALIA4QAyAPIBhBAnQgFyAMIBoQBCEbQwAAgD8gDyAYQQJ0IBtDAACAPxAFlSEcIA8gGEECdCAcEAYgDyAVIBEgF0EBaiALIAMgGWpDAACAPxAJIB0gGzgCACAdIBw4AgQgHUEIaiEdIBdBAWohFwwACwsgE0EBaiETDAALCyASQQFqIRIMAAsLC8cEBg9/AX0BfwF7AX8CeyALQQ9qQXBxIRAgEEECdCERIAYgDiARbGohEiASIA4gEWxqIRMgEyARaiEUIAwgDmxBAnQhFSANIA5sQQJ0IRYgBCEgQQAhFwJAA0AgFyAKTw0BQQAhGAJAA0AgGCAMTw0BIBcgCyAWbGwgGCAMIA1ubiAObEECdGohGSAXIAsgFWxsIBggDmxBAnRqIRogASAZaiAWIAYgCyAQIA4QAiACIBlqIBYgEiALIBAgDhACIAUgGEECdGoqAgAhH0EAIRsCQANAIBsgC08NASAbQRBqQQR2IRwgHEECdCEdIBogGyAVbGohHiAAIB5qIAYgEyAcIA4gERADIBMgHSAbIA8gHxAEGiATIB0gICoCACAgKgIEEAUaIAMgHmogEiAUIBwgDiAREAP9DAAAAAAAAAAAAAAAAAAAAAAhIUEAISICQANAICIgHUEEdE8NASAhIBMgImr9AAQAIBQgImr9AAQA/eYB/eQBISEgIkEQaiEiDAALCyAhEAH9EyEkQQAhIgJAA0AgIiAdQQR0Tw0BIBMgImr9AAQAISMgFCAiaiAjIBQgImr9AAQAICT95QH95gEgD/0T/eYB/QsEACAiQRBqISIMAAsLIBQgASAZaiAWIBtBAWogDiAHIB5qQwAAgD8QCSAUIAAgHmogCCAZaiAWIBtBAWogDhAKIBMgAyAeaiAJIBlqIBYgG0EBaiAOEAogIEEIaiEgIBtBAWohGwwACwsgGEEBaiEYDAALCyAXQQFqIRcMAAsLC4gCAgl/AX0gBkEPakFwcSELIAtBAnQhDCAEIAkgDGxqIQ0gByAJbEECdCEOIAggCWxBAnQhDwJAA0AgECAFTw0BQQAhEQJAA0AgESAHTw0BIAEgECAGIA9sbCARIAcgCG5uIAlsQQJ0amogDyAEIAYgCyAJEAIgACAQIAYgDmxsIBEgCWxBAnRqaiESIAMgEUECdGoqAgAhFEEAIRMCQANAIBMgBk8NASASIBMgDmxqIAQgDSALQQR2IAkgDBADIA0gC0ECdiATIAogFBAEGiANIAIgBiAGQwAAAAAQCCACIAZBAnRqIQIgE0EBaiETDAALCyARQQFqIREMAAsLIBBBAWohEAwACwsLgQECAX8CfSADQQ9qQXBxQQJ2IQUCQANAIAJFDQEgACAEIAMgBUECdEMAAID/EAggBCAFEAchBkMAAIA/IAQgBSAGQwAAgD8QBZUhByAEIAUgBxAGIAQgASADIANDAAAAABAIIAAgA0ECdGohACABIANBAnRqIQEgAkEBayECDAALCwu3AQEHfyAFIAdsQQJ0IQggBiAHbEECdCEJAkADQCAKIANPDQFBACELAkADQCALIAVPDQEgASAKIAQgCWxsIAsgBSAGbm4gB2xBAnRqaiEMIAIgCiAEIAhsbCALIAdsQQJ0amohDUEAIQ4CQANAIA4gBE8NASAAIAwgCSAEIAcgDSAOIAhsakMAAIA/EAkgACAEQQJ0aiEAIA5BAWohDgwACwsgC0EBaiELDAALCyAKQQFqIQoMAAsLCw==';

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

/** The module's exports (see attention-kernel.wat); pointers are byte offsets. */
type Exports = Record<'forward' | 'backward' | 'scores' | 'softmax' | 'mix', (...args: number[]) => void>;

interface Kernel {
  memory: WebAssembly.Memory;
  exports: Exports;
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
      const module = new WebAssembly.Module(decode(shared ? ATTENTION_KERNEL_SHARED_BYTES : ATTENTION_KERNEL_BYTES));
      kernel = { memory, exports: new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports };
    } catch {
      kernel = null;
    }
  }
  kernels.set(backend, kernel);
  return kernel;
}

/** Attributes of the attention kernels: each head's ALiBi slope (zeros without ALiBi) and the score scale. */
interface Attrs {
  slopes: number[];
  scale: number;
}

/** One call of the module from a tfjs kernel: its exports, tensor offsets, outputs and scratch. */
class Call {
  readonly backend: WasmBackend;
  readonly exports: Exports;
  private readonly memory: WebAssembly.Memory;
  private readonly scratches: number[] = [];

  constructor(backend: object) {
    this.backend = backend as WasmBackend;
    const kernel = kernelOf(this.backend)!;
    this.exports = kernel.exports;
    this.memory = kernel.memory;
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

  /** Scratch of `floats` floats followed by `values` (freed by `done`). */
  scratch(floats: number, values: readonly number[] = []): number {
    const pointer = this.backend.wasm._malloc(4 * (floats + values.length));
    this.scratches.push(pointer);
    new Float32Array(this.memory.buffer, pointer + 4 * floats, values.length).set(values);
    return pointer;
  }

  /** Frees the scratch; returns the outputs. */
  done(outputs: tf.TensorInfo[]): tf.TensorInfo[] {
    for (const pointer of this.scratches.splice(0)) this.backend.wasm._free(pointer);
    return outputs;
  }
}

/** t rounded up to 16: the kernels' row length. */
const padded = (t: number): number => Math.ceil(t / 16) * 16;

type Inputs = Record<string, tf.TensorInfo>;

/** q [batch, t, h, dh] and k [batch, t, hkv, dh]: the sizes every export takes. */
function sizes(q: tf.TensorInfo, k: tf.TensorInfo): [number, number, number, number, number] {
  const [batch, t, h, dh] = q.shape as [number, number, number, number];
  return [batch, t, h, k.shape[2]!, dh];
}

const KERNELS: Record<string, (call: Call, inputs: Inputs, attrs: Attrs) => tf.TensorInfo[]> = {
  IclkrCausalAttention(call, { q, k, v }, { slopes, scale }) {
    const [batch, t, h, hkv, dh] = sizes(q!, k!);
    const out = call.output(q!.shape);
    const stats = call.output([batch, h, t, 2]);
    const scratch = call.scratch(dh * padded(t) + padded(t), slopes);
    const slopePointer = scratch + 4 * (dh * padded(t) + padded(t));
    call.exports.forward(
      call.at(q!),
      call.at(k!),
      call.at(v!),
      call.at(out),
      call.at(stats),
      slopePointer,
      scratch,
      batch,
      t,
      h,
      hkv,
      dh,
      scale,
    );
    return call.done([out, stats]);
  },
  IclkrCausalAttentionGrad(call, { q, k, v, dout, stats }, { slopes, scale }) {
    const [batch, t, h, hkv, dh] = sizes(q!, k!);
    const dq = call.output(q!.shape);
    const dk = call.output(k!.shape, true);
    const dv = call.output(v!.shape, true);
    const floats = 2 * dh * padded(t) + 2 * padded(t);
    const scratch = call.scratch(floats, slopes);
    call.exports.backward(
      ...[q, k, v, dout, stats].map((x) => call.at(x!)),
      scratch + 4 * floats,
      scratch,
      call.at(dq),
      call.at(dk),
      call.at(dv),
      batch,
      t,
      h,
      hkv,
      dh,
      scale,
    );
    return call.done([dq, dk, dv]);
  },
  IclkrAttentionScores(call, { q, k }, { slopes, scale }) {
    const [batch, t, h, hkv, dh] = sizes(q!, k!);
    const scores = call.output([batch, h, t, t]);
    const floats = dh * padded(t) + padded(t);
    const scratch = call.scratch(floats, slopes);
    call.exports.scores(call.at(q!), call.at(k!), call.at(scores), scratch + 4 * floats, scratch, batch, t, h, hkv, dh, scale);
    return call.done([scores]);
  },
  IclkrAttentionSoftmax(call, { scores }) {
    const [batch, h, t] = scores!.shape as [number, number, number];
    const pattern = call.output(scores!.shape);
    call.exports.softmax(call.at(scores!), call.at(pattern), batch * h * t, t, call.scratch(padded(t)));
    return call.done([pattern]);
  },
  IclkrAttentionMix(call, { pattern, v }) {
    const [batch, h, t] = pattern!.shape as [number, number, number];
    const [, , hkv, dh] = v!.shape as [number, number, number, number];
    const out = call.output([batch, t, h, dh]);
    call.exports.mix(call.at(pattern!), call.at(v!), call.at(out), batch, t, h, hkv, dh);
    return call.done([out]);
  },
};

/**
 * Whether the attention kernels run here: on the wasm backend, where its memory can be reached
 * and WebAssembly SIMD validates, for d_head a multiple of 4.
 */
export function attentionKernelsRun(dHead: number): boolean {
  if (dHead % 4 !== 0 || tf.getBackend() !== 'wasm') return false;
  if (kernelOf(tf.backend() as unknown as WasmBackend) === null) return false;
  for (const [kernelName, f] of Object.entries(KERNELS)) {
    if (tf.getKernel(kernelName, 'wasm') !== undefined) continue;
    const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => f(new Call(backend), inputs as Inputs, attrs as unknown as Attrs);
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
  }
  return true;
}

function run(name: string, inputs: Record<string, tf.Tensor>, attrs: Attrs): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

/**
 * softmax(scale q k^T + ALiBi, causal) v for q [batch, t, head, d_head] and k, v [batch, t,
 * kv_head, d_head] (each kv head serving head / kv_head consecutive query heads), as [batch, t,
 * head, d_head], differentiable in q, k and v: the score of query i and key j <= i is
 * scale q_i.k_j - slope_head (i - j). Call only where `attentionKernelsRun(d_head)`.
 */
export function fusedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, slopes: readonly number[], scale: number): tf.Tensor {
  const attrs = { slopes: [...slopes], scale };
  return customOp(([sq, sk, sv], save) => {
    const [z, stats] = run('IclkrCausalAttention', { q: sq!, k: sk!, v: sv! }, attrs);
    save([sq!, sk!, sv!, stats!]);
    return {
      value: z!,
      gradFunc: (dy, [gq, gk, gv, gs]) => run('IclkrCausalAttentionGrad', { q: gq!, k: gk!, v: gv!, dout: dy, stats: gs! }, attrs),
    };
  })(q, k, v);
}

/** What the staged pass lets a caller see and replace: the scores and the pattern, [batch, head, q, k]. */
export interface AttentionStages {
  scores(s: tf.Tensor): tf.Tensor;
  pattern(p: tf.Tensor): tf.Tensor;
}

/** [batch, t, heads, d] to [batch, heads, t, d]. */
const byHead = (x: tf.Tensor): tf.Tensor => tf.transpose(x, [0, 2, 1, 3]);

/** x [batch, h, t, d] summed over each group of h / kv consecutive heads, as [batch, t, kv, d]. */
function sumGroups(x: tf.Tensor, kv: number): tf.Tensor {
  const [batch, h, t, d] = x.shape as [number, number, number, number];
  return byHead(tf.sum(x.reshape([batch, kv, h / kv, t, d]), 2));
}

/** a [batch, h, t, n] times each kv head's b [batch, kv, n, d] (b^T with transposeB) as [batch, h, t, d]. */
function groupProduct(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): tf.Tensor {
  const [batch, h, t] = a.shape as [number, number, number];
  const kv = b.shape[1]!;
  const out = tf.matMul(a.reshape([batch, kv, (h / kv) * t, a.shape[3]!]) as tf.Tensor4D, b as tf.Tensor4D, false, transposeB);
  return out.reshape([batch, h, t, out.shape[3]!]);
}

/**
 * The same attention as `fusedAttention`, in three kernels with the same arithmetic (so the same
 * bits when the stages return what they are given), the scores and the pattern passing through
 * `stages` between them. Its gradients run on tfjs's batched products (slower; this path serves
 * hooks, not training).
 */
export function stagedAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  slopes: readonly number[],
  scale: number,
  stages: AttentionStages,
): tf.Tensor {
  const attrs = { slopes: [...slopes], scale };
  const t = q.shape[1]!;
  const scores = customOp(([sq, sk], save) => {
    save([sq!, sk!]);
    return {
      value: run('IclkrAttentionScores', { q: sq!, k: sk! }, attrs)[0]!,
      gradFunc: (dy, [gq, gk]) => {
        // Entries above the diagonal are constants (-inf): no gradient flows through them.
        const ds = tf.mul(dy, tf.linalg.bandPart(tf.ones([t, t]), -1, 0));
        const kv = gk!.shape[2]!;
        return [
          tf.mul(byHead(groupProduct(ds, byHead(gk!), false)), scale),
          tf.mul(sumGroups(tf.matMul(ds as tf.Tensor4D, byHead(gq!) as tf.Tensor4D, true, false), kv), scale),
        ];
      },
    };
  });
  const softmax = customOp(([s], save) => {
    const p = run('IclkrAttentionSoftmax', { scores: s! }, attrs)[0]!;
    save([p]);
    return {
      value: p,
      gradFunc: (dy, [sp]) => [tf.mul(sp!, tf.sub(dy, tf.sum(tf.mul(sp!, dy), -1, true)))],
    };
  });
  const mix = customOp(([p, sv], save) => {
    save([p!, sv!]);
    return {
      value: run('IclkrAttentionMix', { pattern: p!, v: sv! }, attrs)[0]!,
      gradFunc: (dy, [gp, gv]) => {
        const dz = byHead(dy);
        return [
          groupProduct(dz, byHead(gv!), true),
          sumGroups(tf.matMul(gp! as tf.Tensor4D, dz as tf.Tensor4D, true, false), gv!.shape[2]!),
        ];
      },
    };
  });
  return mix(stages.pattern(softmax(stages.scores(scores(q, k)))), v);
}
