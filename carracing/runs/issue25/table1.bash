#!/usr/bin/env bash
# Issue 25, step 4: the paper's Table 1 on CarRacing-v3. Each row's C is evolved by CMA-ES in the
# real game with the same budget (EnvPool's game, population 32 x 1 episode on common seeds, GENS
# generations: the shipped agent's recipe, README.md) on run.bash's V and 4,000-step M, then played on
# the same 100 held-out gymnasium tracks (seeds 1000..1099, never used in training or selection).
# Rows: v_only (C sees z), v_hidden (z through 40 tanh units), full (z and h), finetuned (full, its
# mean started from the dream-trained C of dream.bash). Re-running resumes every run; ROWS picks some.
#
#   WORKDIR=/work/cr25 bash carracing/runs/issue25/table1.bash
#   WORKDIR=/work/cr25 ROWS="full" GENS=150 bash carracing/runs/issue25/table1.bash
source "$(dirname "${BASH_SOURCE[0]}")/env.bash"  # HERE, C, PY, W (= CARRACING_WORKDIR)
GENS="${GENS:-150}"
ROWS="${ROWS:-v_only v_hidden full finetuned}"
DREAM_BEST="${DREAM_BEST:-$W/dream/tau1.0/carracing_dream.cma.16.64.best.json}"
cd "$C"
M_FINAL="$W/tf_rnn/rnn.npz"
# V-only rows: C never reads h, so M only runs alongside; they use the committed 1,000-step M so
# that they can start before run.bash finishes
M_ANY="$HERE/state/snapshots/rnn_step1000.npz"
for ROW in $ROWS; do
  case "$ROW" in
    v_only) OPTS=(--v_only); NAME=carracing_z; M="$M_ANY" ;;
    v_hidden) OPTS=(--v_hidden); NAME=carracing_z_hidden; M="$M_ANY" ;;
    full) OPTS=(); NAME=carracing; M="$M_FINAL" ;;
    finetuned) OPTS=(--init_from "$DREAM_BEST"); NAME=carracing; M="$M_FINAL" ;;
    *) echo "table1.bash: unknown row $ROW (v_only, v_hidden, full, finetuned)" >&2; exit 2 ;;
  esac
  LOG="$W/table1/$ROW"
  FILES=(--vae "$W/tf_vae/vae.npz" --rnn "$M")
  "$PY" train.py --backend envpool -n 32 -e 1 --common_seeds --eval_steps 10 --num_eval 32 -g "$GENS" \
    "${OPTS[@]}" "${FILES[@]}" --log_dir "$LOG"
  SCORE="$LOG/score_gen${GENS}_seeds1000.txt"
  if [[ ! -s "$SCORE" ]]; then
    "$PY" model.py carracing norender "$LOG/$NAME.cma.1.32.best.json" 1000 --procs 2 "${FILES[@]}" > "$SCORE.tmp"
    mv "$SCORE.tmp" "$SCORE"
  fi
  tail -1 "$SCORE"
done
