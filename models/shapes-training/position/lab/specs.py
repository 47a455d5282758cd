import json, sys, copy
UNET = {"_class_name": "UNet2DConditionModel", "sample_size": 16, "block_out_channels": [64, 128, 128],
        "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
        "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
        "layers_per_block": 1, "attention_head_dim": 4, "cross_attention_dim": 128, "norm_num_groups": 32}
SCHED = {"_class_name": "DPMSolverMultistepScheduler", "_diffusers_version": "0.27.2", "num_train_timesteps": 1000,
         "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear", "prediction_type": "epsilon",
         "timestep_spacing": "trailing", "steps_offset": 1, "use_karras_sigmas": False, "clip_sample": False, "thresholding": False,
         "algorithm_type": "dpmsolver++", "solver_order": 2, "solver_type": "midpoint", "lower_order_final": True}
def spec(data, steps, batch=32, lr=1e-3, pred="epsilon", zero=False, gamma=5, unet=None, evaluate=0, text=None, warmup=200, floor=None, bias=None):
    s = copy.deepcopy(SCHED); s["prediction_type"] = pred
    if zero: s["rescale_betas_zero_snr"] = True
    o = {"data_folder": data, "vae": "/root/runs/vae-shipped/vae", "unet": unet or UNET, "prediction_type": pred,
         "snr_gamma": gamma, "scheduler": s, "caption_dropout": 0.1,
         "samples": {"steps": 25, "guidance_scale": 5, "seed": 0},
         "evaluation": {"every": evaluate},
         "optimization": {"steps": steps, "batch_size": batch, "learning_rate": lr, "warmup_steps": warmup, "seed": 0,
                          "log_every": 50, "sample_every": 1000000 if steps < 100000 else steps, "checkpoint_every": 250}}
    if text: o["text_encoder"] = text
    if floor: o["snr_floor"] = floor
    if bias: o["timestep_bias"] = bias
    return o
def write(name, o):
    json.dump(o, open(f"/root/runs/specs/{name}.json", "w"), indent=1)
P = "/root/runs/data/position"; F = "/root/runs/data/shapes"
write("P0-baseline", spec(P, 800))
write("P1-zerosnr-v", spec(P, 800, pred="v_prediction", zero=True))
SMALL = dict(UNET, block_out_channels=[32, 64, 64])
write("P0s-baseline", spec(P, 600, batch=16, unet=SMALL))
write("P1s-zerosnr-v", spec(P, 600, batch=16, unet=SMALL, pred="v_prediction", zero=True))
write("P2s-zerosnr-v-nominsnr", spec(P, 600, batch=16, unet=SMALL, pred="v_prediction", zero=True, gamma=None))
# Min-SNR with a floor: the noisiest timesteps' clean-latent error counts at least `floor` (SD's own schedule)
write("E1s-v-floor1", spec(P, 600, batch=16, unet=SMALL, pred="v_prediction", floor=1))
write("E2s-eps-floor1", spec(P, 600, batch=16, unet=SMALL, floor=1))
ATT16 = dict(SMALL, down_block_types=["CrossAttnDownBlock2D"] * 3, up_block_types=["CrossAttnUpBlock2D"] * 3)
write("L1s-v-floor1-2400", spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1))
write("L2s-v-floor1-att16-2400", spec(P, 2400, batch=16, unet=ATT16, pred="v_prediction", floor=1))
# a fourth level: the coarsest features are 2x2, every one of them a corner (zero padding tells them apart)
DEEP = dict(SMALL, block_out_channels=[32, 64, 64, 64], down_block_types=["DownBlock2D"] + ["CrossAttnDownBlock2D"] * 3,
            up_block_types=["CrossAttnUpBlock2D"] * 3 + ["UpBlock2D"])
write("L3s-v-floor1-2x2-2400", spec(P, 2400, batch=16, unet=DEEP, pred="v_prediction", floor=1))
write("L4s-v-floor1-lr3e-3-2400", spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1, lr=3e-3))
write("L5s-v-floor5-2400", spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", floor=5))
# issue 12, continued: a wider first convolution (more of the latent sees the zero padding) and two layers per block
write("L6s-v-floor1-convin7-2400", spec(P, 2400, batch=16, unet=dict(SMALL, conv_in_kernel=7), pred="v_prediction", floor=1))
write("L7s-v-floor1-2layers-2400", spec(P, 2400, batch=16, unet=dict(SMALL, layers_per_block=2), pred="v_prediction", floor=1))
# the noisiest timesteps drawn more often (diffusers' timestep bias "later": the last 30% of the timesteps 4x as often,
# 63% of the draws), and the leak of point 2 removed by a zero-terminal-SNR schedule with L1s's weighting
LATER = {"strategy": "later", "multiplier": 4, "portion": 0.3}
write("L8s-v-floor1-later4-2400", spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1, bias=LATER))
write("L9s-zerosnr-v-floor1-2400", spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", zero=True, floor=1))
# one axis learned, the other ignored (row/column probe): longer training on L1s's recipe, and twice the attention heads
write("L10s-v-floor1-4800", spec(P, 4800, batch=16, unet=SMALL, pred="v_prediction", floor=1))
write("L11s-v-floor1-8heads-2400", spec(P, 2400, batch=16, unet=dict(SMALL, attention_head_dim=8), pred="v_prediction", floor=1))
# a third of the captions name only the row ("in the top row"), a third only the column: each word alone must move the shape
write("L12s-v-floor1-one-axis-2400", spec(P + "-one-axis", 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1))
# L12s again: another seed (run-to-run spread), and twice as long
L12 = spec(P + "-one-axis", 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1)
L12["optimization"]["seed"] = 1
write("L13s-v-floor1-one-axis-seed1-2400", L12)
write("L14s-v-floor1-one-axis-4800", spec(P + "-one-axis", 4800, batch=16, unet=SMALL, pred="v_prediction", floor=1))
# does the one-axis lead carry over to the full shapes data (every shape, colour, size, background)? L1s's recipe on
# `sd data shapes --count 10000 --seed 1` (train.sh's data), plain captions against two thirds one-axis captions
write("F1s-v-floor1-full-2400", spec(F, 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1))
write("F2s-v-floor1-full-axis-2400", spec(F + "-axis", 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1))
# L13s (L12s, seed 1) ignored the column again. The text decides the cell only where x_t no longer shows it: at SD's
# noisiest step √ᾱ is still 0.068, and a shape of the data is then still visible to a matched filter over its area, so
# the words' teaching signal lives in the last few percent of the timesteps. Draw the noisiest 10% ten times as often
# (53% of the draws), on SD's schedule and with zero terminal SNR
STRONG = {"strategy": "later", "multiplier": 10, "portion": 0.1}
write("L15s-v-floor1-later10-2400", spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1, bias=STRONG))
write("L16s-zerosnr-v-floor1-later10-2400", spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", zero=True, floor=1, bias=STRONG))
# the text encoder collapses the ignored axis's words (lab ctxdiff): keep it at its initial weights, or let it learn
# at a tenth of the U-Net's rate (`--text-encoder-lr`); L17s was first run with LAB_TE_LR_SCALE=0, the same thing
L17 = spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1); L17["text_encoder_learning_rate"] = 0
write("L17s-v-floor1-frozen-text-2400", L17)
L18 = spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1); L18["text_encoder_learning_rate"] = 1e-4
write("L18s-v-floor1-text-lr0.1-2400", L18)
# both: the noisiest 10% drawn ten times as often, and the text encoder kept at its initial weights
L19 = spec(P, 2400, batch=16, unet=SMALL, pred="v_prediction", floor=1, bias=STRONG); L19["text_encoder_learning_rate"] = 0
write("L19s-v-floor1-later10-frozen-text-2400", L19)
# full data (every shape, colour, size, background): L15s's recipe learned neither detail nor position there within
# 2 000 steps at full size (F3, seed-locked: the cell follows the noise). Without the schedule's leak (zero terminal
# SNR) the noise holds no cell to follow; with and without a frozen text encoder
F4 = spec(F, 2400, batch=16, unet=SMALL, pred="v_prediction", zero=True, floor=1, bias=STRONG, evaluate=600)
write("F4s-zerosnr-v-floor1-later10-full-2400", F4)
F5 = copy.deepcopy(F4); F5["text_encoder_learning_rate"] = 0
write("F5s-zerosnr-v-floor1-later10-frozen-text-full-2400", F5)
