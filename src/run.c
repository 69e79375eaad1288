// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE	/* pipe2() */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run.h"

static volatile sig_atomic_t exiting;
static volatile sig_atomic_t pending_sig;	/* a kill()ed signal to pass on */
static volatile pid_t child = -1;

static void on_signal(int sig, siginfo_t *info, void *uc)
{
	exiting = 1;
	/* SI_USER: sent by kill(); a tty's Ctrl-C (SI_KERNEL) already reached the command */
	if (sig == SIGALRM)
		pending_sig = SIGTERM;
	else if (info && info->si_code == SI_USER)
		pending_sig = sig;
	if (child > 0 && pending_sig)
		kill(child, pending_sig);
}

static void set_handlers(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
}

#define POLL_MS 100

static void wait_a_bit(run_poll_fn poll, void *ctx)
{
	if (poll)
		poll(ctx, POLL_MS);
	else
		usleep(POLL_MS * 1000);
}

static int wait_child(pid_t pid, int *status, run_poll_fn poll, void *ctx)
{
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		wait_a_bit(poll, ctx);
	}
	if (WIFEXITED(st))
		*status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		*status = 128 + WTERMSIG(st);
	else
		*status = 255;
	return 0;
}

int run__window(const struct env *env, int *status, run_poll_fn poll, run_started_fn started,
		void *ctx)
{
	int go[2], err;
	pid_t pid;

	*status = -1;
	exiting = 0;
	set_handlers();
	if (env->duration)
		alarm(env->duration);
	if (!env->argv) {
		while (!exiting)
			wait_a_bit(poll, ctx);
		return 0;
	}

	/* the child waits until STARTED saw it: its first pins are the command's */
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		return err;
	}
	if (pid == 0) {
		char c;

		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGALRM, SIG_DFL);
		close(go[1]);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;	/* a byte, or EOF: go on */
		execvp(env->argv[0], env->argv);
		fprintf(stderr, "pinaudit: cannot run '%s': %s\n", env->argv[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);
	if (started)
		started(ctx, pid);
	if (write(go[1], "", 1) < 0) {
		/* the child reads EOF at the close as well */
	}
	close(go[1]);
	child = pid;
	if (pending_sig)	/* a signal that came before the child existed */
		kill(pid, pending_sig);
	err = wait_child(pid, status, poll, ctx);
	child = -1;
	alarm(0);
	return err;
}
